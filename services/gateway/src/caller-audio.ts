/**
 * Caller audio from Exotel onto `audio.in`: sample-accurate timeline positions, a bounded buffer
 * for audio that arrives while the stages are being claimed, and frame-loss accounting from
 * Exotel's `sequence_number`.
 */

export interface CallerFrame {
  pcm: Buffer;
  /** Position of the first sample on the call timeline: bytes received before it / bytes per ms. */
  timelineMs: number;
}

export class CallerAudio {
  private bytesReceived = 0;
  private readonly bytesPerMs: number;
  private held: CallerFrame[] = [];
  private heldBytes = 0;
  private live = false;
  /** Frames dropped from the pre-start buffer because it was full. */
  droppedWhileHeld = 0;

  constructor(
    sampleRate: number,
    private readonly maxHeldMs: number,
    private readonly publish: (frame: CallerFrame) => void,
  ) {
    this.bytesPerMs = (sampleRate * 2) / 1000;
  }

  /** A decoded `media` payload, in arrival order. */
  push(pcm: Buffer): void {
    const frame = { pcm, timelineMs: this.bytesReceived / this.bytesPerMs };
    this.bytesReceived += pcm.byteLength;
    if (this.live) {
      this.publish(frame);
      return;
    }
    this.held.push(frame);
    this.heldBytes += pcm.byteLength;
    while (this.heldBytes > this.maxHeldMs * this.bytesPerMs && this.held.length > 0) {
      this.heldBytes -= this.held.shift()!.pcm.byteLength;
      this.droppedWhileHeld++;
    }
  }

  /** The call has started: publishes what was held, then every frame as it comes. */
  goLive(): void {
    if (this.live) return;
    this.live = true;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const frame of held) this.publish(frame);
  }

  /** Ms of caller audio received so far. */
  get receivedMs(): number {
    return this.bytesReceived / this.bytesPerMs;
  }
}

/** Counts gaps and regressions in Exotel's one-per-stream `sequence_number`. */
export class SequenceTracker {
  private last: number | null = null;
  lost = 0;
  reordered = 0;

  /** Returns how many frames this one shows as lost (0 when in order). */
  observe(sequenceNumber: number | null): { lost: number; reordered: boolean } {
    if (sequenceNumber === null) return { lost: 0, reordered: false };
    if (this.last === null) {
      this.last = sequenceNumber;
      return { lost: 0, reordered: false };
    }
    if (sequenceNumber <= this.last) {
      this.reordered++;
      return { lost: 0, reordered: true };
    }
    const lost = sequenceNumber - this.last - 1;
    this.last = sequenceNumber;
    this.lost += lost;
    return { lost, reordered: false };
  }
}
