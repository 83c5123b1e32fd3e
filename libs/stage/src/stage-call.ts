import {
  AudioHeader,
  ErrorCode,
  PROTOCOL_VERSION,
  type AudioHeaderName,
  type CallDescriptor,
  type CallEnded,
  type ErrorCodeValue,
  type EventFamily,
  type FamilyEvent,
  type FamilyEventInput,
  type Stage,
  type AnyEvent,
} from '@audexly/protocol';
import { readCallEvents, type AudioMessage, type Bus, type BusSubscription, type Received } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';

/** An event as a stage writes it: the runtime fills in `v`, `callId` and (unless given) `timelineMs`. */
export type OutgoingEvent<F extends EventFamily> = FamilyEventInput<F> extends infer E
  ? E extends { v: unknown; callId: unknown; timelineMs: unknown }
    ? Omit<E, 'v' | 'callId' | 'timelineMs'> & { timelineMs?: number }
    : never
  : never;

/**
 * One call as a stage instance holds it. Subscriptions made through it are drained when the call
 * ends (every message published before `call.ended` is still delivered), so a stage's loops end
 * on their own.
 */
export class StageCall {
  readonly call: CallDescriptor;
  readonly callId: string;
  readonly log: Logger;
  /** Aborted when the call has ended and its subscriptions drained, or the instance gave it up. */
  readonly signal: AbortSignal;
  /** Resolves with `call.ended` (or undefined if the instance gave the call up first). */
  readonly ended: Promise<CallEnded | undefined>;

  /** The instance holding the call (stamped on audio it publishes, `Audexly-Instance`). */
  readonly instanceId: string;
  /**
   * This claim is a re-claim after failover: the instance that held the call fell silent. Recover
   * what the stage needs from the event log ({@link StageCall.readEvents}) instead of starting fresh.
   */
  readonly reclaimed: boolean;
  private isSuperseded = false;
  private readonly controller = new AbortController();
  private readonly subscriptions: BusSubscription<unknown>[] = [];
  private resolveEnded!: (event: CallEnded | undefined) => void;

  constructor(
    private readonly bus: Bus,
    private readonly stage: Stage,
    call: CallDescriptor,
    log: Logger,
    options: { instanceId?: string; reclaimed?: boolean } = {},
  ) {
    this.instanceId = options.instanceId ?? '';
    this.reclaimed = options.reclaimed ?? false;
    this.call = call;
    this.callId = call.callId;
    this.log = log;
    this.signal = this.controller.signal;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Milliseconds on the call timeline (0 = the gateway accepted Exotel's `start`). */
  timelineMs(): number {
    return Date.now() - this.call.startedAt;
  }

  /** This call's events of one family. */
  events<F extends EventFamily>(family: F): AsyncIterable<Received<FamilyEvent<F>>> {
    return this.track(this.bus.subscribeEvents(this.callId, family));
  }

  /** This call's audio on one subject (`subjects.audioIn(callId)`, …). */
  audio(subject: string): AsyncIterable<AudioMessage> {
    return this.track(this.bus.subscribeAudio(subject));
  }

  /**
   * Another instance took the call over (`control.reassigned`): this one publishes nothing more for
   * it and writes nothing for it (a recorder must not store a record or purge audio then).
   */
  get superseded(): boolean {
    return this.isSuperseded;
  }

  /** The call's event log so far (a re-claimed stage rebuilds its state from it). */
  readEvents(): Promise<AnyEvent[]> {
    return readCallEvents(this.bus, this.callId);
  }

  /** Publishes one event of the call (nothing once superseded; the event is returned all the same). */
  publish<F extends EventFamily>(family: F, event: OutgoingEvent<F>): FamilyEvent<F> {
    if (this.isSuperseded) return { timelineMs: this.timelineMs(), ...(event as object), v: PROTOCOL_VERSION, callId: this.callId } as unknown as FamilyEvent<F>;
    const full = { timelineMs: this.timelineMs(), ...(event as object), v: PROTOCOL_VERSION, callId: this.callId } as unknown as FamilyEventInput<F>;
    return this.bus.publishEvent(family, full);
  }

  /** Publishes audio with this instance's id in `Audexly-Instance` (nothing once superseded). */
  publishAudio(subject: string, pcm: Uint8Array, meta: Partial<Record<AudioHeaderName, string | number>>): void {
    if (this.isSuperseded) return;
    this.bus.publishAudio(subject, pcm, this.instanceId ? { ...meta, [AudioHeader.instance]: this.instanceId } : meta);
  }

  /** Reports a failure of this stage for this call: an error event, never only a log line. */
  error(code: ErrorCodeValue, message: string, options: { retryable?: boolean; turn?: number | null; err?: unknown } = {}): void {
    this.log.warn({ err: options.err, code }, message);
    this.publish('error', { type: 'error', stage: this.stage, code, message, retryable: options.retryable ?? false, turn: options.turn ?? null });
  }

  /** Internal: the call ended; drain subscriptions so loops end after what was already sent. */
  async end(event: CallEnded | undefined): Promise<void> {
    this.resolveEnded(event);
    await Promise.all(this.subscriptions.map((s) => drainQuietly(s)));
    this.controller.abort();
  }

  /** Internal: another instance owns the call now; stop publishing and give it up at once. */
  supersede(): void {
    this.isSuperseded = true;
    this.abandon();
  }

  /** Internal: give the call up at once (instance stopping past its deadline). */
  abandon(): void {
    this.resolveEnded(undefined);
    for (const s of this.subscriptions) s.unsubscribe();
    this.controller.abort();
  }

  private track<T>(sub: BusSubscription<T>): BusSubscription<T> {
    this.subscriptions.push(sub);
    return sub;
  }
}

async function drainQuietly(sub: BusSubscription<unknown>): Promise<void> {
  try {
    await sub.drain();
  } catch {
    sub.unsubscribe();
  }
}

export { ErrorCode };
