/**
 * Coalesces NATS audio publishes of all calls into one batch per event-loop turn. The NATS client
 * writes to its socket once per microtask checkpoint after a publish, so a publish per caller
 * frame (each its own socket read) cost a syscall each; run together from one `setImmediate`,
 * the frames of every call read in the same turn go out in one write. Order is kept.
 */
export class PublishBatch {
  private queue: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly onError: (err: unknown) => void = () => undefined) {}

  /** Runs `publish` later in this event-loop turn, after the I/O callbacks of the turn. */
  defer(publish: () => void): void {
    this.queue.push(publish);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Runs everything deferred now (before an event that must follow the audio, e.g. call.ended). */
  flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const publish of queue) {
      try {
        publish();
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
