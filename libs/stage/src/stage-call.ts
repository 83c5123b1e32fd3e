import {
  AudioHeader,
  ErrorCode,
  type AudioHeaderName,
  type CallDescriptor,
  type CallEnded,
  type ErrorCodeValue,
  type EventFamily,
  type FamilyEvent,
  type Stage,
  type AnyEvent,
} from '@audexly/protocol';
import { readCallEvents, type AudioMessage, type Bus, type BusSubscription, type Received } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import { completeEvent, type CallErrorOptions, type FinishingCallPort, type OutgoingEvent } from './call-port.js';

/** Where this instance stands with the call: holding it, finishing it after its end, or no longer its owner. */
type Holding = 'live' | 'ending' | 'handed-over';

/**
 * One call as a stage instance holds it, on the bus: the {@link FinishingCallPort} a stage's work
 * gets. Subscriptions made through it are drained when the call ends (every message published
 * before `call.ended` is still delivered), so a stage's loops end on their own.
 */
export class StageCall implements FinishingCallPort {
  readonly call: CallDescriptor;
  readonly callId: string;
  readonly log: Logger;
  /** Aborted when the call has ended and its subscriptions drained, or the instance handed it over. */
  readonly signal: AbortSignal;
  /**
   * Resolves with `call.ended` — the gateway's, or one the runtime made up when no gateway holds
   * the call any more (reason `error`) — or with undefined when this instance handed the call over
   * to another ({@link StageCall.superseded}).
   */
  readonly ended: Promise<CallEnded | undefined>;

  /** The instance holding the call (stamped on audio it publishes, `Audexly-Instance`). */
  readonly instanceId: string;
  /**
   * This claim is a re-claim after failover: the instance that held the call fell silent or
   * released it. Recover what the stage needs from the event log ({@link StageCall.readEvents})
   * instead of starting fresh.
   */
  readonly reclaimed: boolean;
  private holding: Holding = 'live';
  /** Counts the error events (by code) for the stage's metrics. */
  private readonly onError: ((code: ErrorCodeValue) => void) | undefined;
  private readonly controller = new AbortController();
  private readonly subscriptions: BusSubscription<unknown>[] = [];
  private resolveEnded!: (event: CallEnded | undefined) => void;

  constructor(
    private readonly bus: Bus,
    private readonly stage: Stage,
    call: CallDescriptor,
    log: Logger,
    options: { instanceId?: string; reclaimed?: boolean; onError?: (code: ErrorCodeValue) => void } = {},
  ) {
    this.instanceId = options.instanceId ?? '';
    this.reclaimed = options.reclaimed ?? false;
    this.onError = options.onError;
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
   * This instance no longer owns the call: another took it over (`control.reassigned`), or this one
   * released it at its drain deadline (`control.released`) for another to take. It publishes
   * nothing more for the call and writes nothing for it (a recorder must not store a record or
   * purge audio then: the new owner does).
   */
  get superseded(): boolean {
    return this.holding === 'handed-over';
  }

  /** The call has ended (`call.ended`, or the runtime ended it): its work is finishing. */
  get ending(): boolean {
    return this.holding === 'ending';
  }

  /** The call's event log so far (a re-claimed stage rebuilds its state from it). */
  readEvents(): Promise<AnyEvent[]> {
    return readCallEvents(this.bus, this.callId, { since: this.call.startedAt });
  }

  /** Publishes one event of the call (nothing once superseded; the event is returned all the same). */
  publish<F extends EventFamily>(family: F, event: OutgoingEvent<F>): FamilyEvent<F> {
    const full = completeEvent(this.callId, this.timelineMs(), event);
    if (this.superseded) return full as unknown as FamilyEvent<F>;
    return this.bus.publishEvent(family, full);
  }

  /** Publishes audio with this instance's id in `Audexly-Instance` (nothing once superseded). */
  publishAudio(subject: string, pcm: Uint8Array, meta: Partial<Record<AudioHeaderName, string | number>>): void {
    if (this.superseded) return;
    this.bus.publishAudio(subject, pcm, this.instanceId ? { ...meta, [AudioHeader.instance]: this.instanceId } : meta);
  }

  /** Reports a failure of this stage for this call: an error event, never only a log line. */
  error(code: ErrorCodeValue, message: string, options: CallErrorOptions = {}): void {
    this.log.warn({ err: options.err, code }, message);
    this.onError?.(code);
    this.publish('error', {
      type: 'error',
      stage: this.stage,
      code,
      message,
      retryable: options.retryable ?? false,
      turn: options.turn ?? null,
    });
  }

  /** Internal: the call ended; drain subscriptions so loops end after what was already sent. */
  async end(event: CallEnded): Promise<void> {
    if (this.holding !== 'live') return;
    this.holding = 'ending';
    this.resolveEnded(event);
    await Promise.all(this.subscriptions.map((s) => drainQuietly(s)));
    this.controller.abort();
  }

  /** Internal: another instance owns the call now; stop publishing and give it up at once. */
  supersede(): void {
    this.handOver();
  }

  /**
   * Internal: this instance gives the live call up (its drain deadline passed). `control.released`
   * tells the gateway, which claims the stage again at once on another instance; from then on this
   * instance publishes nothing for the call.
   */
  release(): void {
    if (this.holding !== 'live') return;
    try {
      this.publish('control', {
        type: 'control.released',
        stage: this.stage,
        instanceId: this.instanceId,
        reason: 'drain-deadline',
      });
    } catch (err) {
      // Its heartbeats stop listing the call all the same: the gateway re-claims it a little later.
      this.log.warn({ err }, 'could not announce the release of the call');
    }
    this.handOver();
  }

  private handOver(): void {
    if (this.holding !== 'live') return;
    this.holding = 'handed-over';
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
