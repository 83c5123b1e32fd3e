import {
  AudioHeader,
  familySchemas,
  type AnyEvent,
  type AudioHeaderName,
  type CallDescriptor,
  type CallEnded,
  type ErrorCodeValue,
  type EventFamily,
  type FamilyEvent,
  type Stage,
} from '@audexly/protocol';
import { extractTrace, type AudioMessage, type Received } from '@audexly/bus';
import { createLogger, type Logger } from '@audexly/telemetry';
import { completeEvent, type CallErrorOptions, type FinishingCallPort, type OutgoingEvent } from '../call-port.js';
import { MemorySubscription } from './memory-subscription.js';

export interface InMemoryCallOptions {
  /** The stage whose work runs on the call (error events name it). */
  stage: Stage;
  /** The claim is a re-claim after failover. */
  reclaimed?: boolean;
  /** The call's event log before this instance held it (a re-claim rebuilds its state from it). */
  eventLog?: readonly AnyEvent[];
  /** Stamped on published audio as `Audexly-Instance`, as the stage runtime does. */
  instanceId?: string;
  /** The call's logger; silent by default. */
  log?: Logger;
}

/** An event the call published, with its family. */
export interface PublishedEvent {
  family: EventFamily;
  event: AnyEvent;
}

type Meta = Partial<Record<AudioHeaderName, string | number>>;
/** `call.ended` as the test ends the call: reason and duration default to a caller hang-up now. */
type Ending = Partial<Omit<Extract<OutgoingEvent<'lifecycle'>, { type: 'call.ended' }>, 'type'>>;

/**
 * A call held in memory, for testing a stage's work without NATS. The work gets it as its
 * {@link FinishingCallPort}; the test plays every other service of the call: it {@link send}s
 * events and audio in, reads what the work {@link published}, and {@link end}s the call.
 *
 * It behaves as the bus does: an event reaches only the subscriptions made before it was sent (so
 * start the work first: it subscribes before its first `await`); what the work publishes reaches
 * its own subscriptions of that family too; events are validated on the way out and copied on the
 * way in; every event sent or published joins the call's event log ({@link readEvents}), as
 * `CALL_EVENTS` captures them. Waiting helpers ({@link waitFor}, {@link until}) wake on each
 * publication: no test needs a fixed sleep.
 */
export class InMemoryCall implements FinishingCallPort {
  readonly call: CallDescriptor;
  readonly callId: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly reclaimed: boolean;
  readonly ended: Promise<CallEnded | undefined>;
  private readonly stage: Stage;
  private readonly instanceId: string;
  private readonly controller = new AbortController();
  private readonly eventLog: AnyEvent[];
  private readonly publishedEvents: PublishedEvent[] = [];
  private readonly publishedAudioMessages: AudioMessage[] = [];
  private readonly eventSubscriptions: Array<{ family: EventFamily; sub: MemorySubscription<Received<AnyEvent>> }> = [];
  private readonly audioSubscriptions: Array<{ subject: string; sub: MemorySubscription<AudioMessage> }> = [];
  /** Conditions tests wait for, checked after each publication; true once met. */
  private readonly waiters = new Set<() => boolean>();
  private holding: 'live' | 'ending' | 'handed-over' = 'live';
  private resolveEnded!: (event: CallEnded | undefined) => void;

  constructor(call: CallDescriptor, options: InMemoryCallOptions) {
    this.call = call;
    this.callId = call.callId;
    this.stage = options.stage;
    this.reclaimed = options.reclaimed ?? false;
    this.instanceId = options.instanceId ?? '';
    this.eventLog = [...(options.eventLog ?? [])];
    this.log = options.log ?? createLogger({ service: `${options.stage}-test`, level: 'silent' });
    this.signal = this.controller.signal;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  // ---- the port: what the stage's work uses ----------------------------------------------------

  timelineMs(): number {
    return Date.now() - this.call.startedAt;
  }

  get superseded(): boolean {
    return this.holding === 'handed-over';
  }

  events<F extends EventFamily>(family: F): AsyncIterable<Received<FamilyEvent<F>>> {
    const sub = new MemorySubscription<Received<AnyEvent>>();
    if (this.holding === 'live') this.eventSubscriptions.push({ family, sub });
    else sub.drain();
    return sub as unknown as AsyncIterable<Received<FamilyEvent<F>>>;
  }

  audio(subject: string): AsyncIterable<AudioMessage> {
    const sub = new MemorySubscription<AudioMessage>();
    if (this.holding === 'live') this.audioSubscriptions.push({ subject, sub });
    else sub.drain();
    return sub;
  }

  publish<F extends EventFamily>(family: F, event: OutgoingEvent<F>): FamilyEvent<F> {
    const full = completeEvent(this.callId, this.timelineMs(), event);
    if (this.superseded) return full as unknown as FamilyEvent<F>;
    const parsed = familySchemas[family].parse(full) as FamilyEvent<F>;
    this.publishedEvents.push({ family, event: parsed });
    this.deliver(family, parsed);
    this.wake();
    return parsed;
  }

  publishAudio(subject: string, pcm: Uint8Array, meta: Meta): void {
    if (this.superseded) return;
    const message = audioMessage(
      subject,
      pcm,
      this.instanceId ? { ...meta, [AudioHeader.instance]: this.instanceId } : meta,
    );
    this.publishedAudioMessages.push(message);
    for (const s of this.audioSubscriptions) if (s.subject === subject) s.sub.push(message);
    this.wake();
  }

  error(code: ErrorCodeValue, message: string, options: CallErrorOptions = {}): void {
    this.log.warn({ err: options.err, code }, message);
    this.publish('error', {
      type: 'error',
      stage: this.stage,
      code,
      message,
      retryable: options.retryable ?? false,
      turn: options.turn ?? null,
    });
  }

  readEvents(): Promise<AnyEvent[]> {
    return Promise.resolve(this.eventLog.map((e) => structuredClone(e)));
  }

  // ---- the test side: the rest of the call -----------------------------------------------------

  /** An event of the call as another service publishes it (validated; `v`, `callId`, `timelineMs` filled in). */
  send<F extends EventFamily>(family: F, event: OutgoingEvent<F>): FamilyEvent<F> {
    const parsed = familySchemas[family].parse(completeEvent(this.callId, this.timelineMs(), event)) as FamilyEvent<F>;
    this.deliver(family, parsed);
    return parsed;
  }

  /** Audio of the call as another service publishes it (the gateway's `audio.in`, …). */
  sendAudio(subject: string, pcm: Uint8Array, meta: Meta = {}): void {
    const message = audioMessage(subject, pcm, meta);
    for (const s of this.audioSubscriptions) if (s.subject === subject) s.sub.push(message);
  }

  /** The events the work published, in order: of one family, or all of them with their families. */
  published<F extends EventFamily>(family: F): FamilyEvent<F>[];
  published(): PublishedEvent[];
  published(family?: EventFamily): unknown[] {
    if (family === undefined) return [...this.publishedEvents];
    return this.publishedEvents.filter((p) => p.family === family).map((p) => p.event);
  }

  /** The audio the work published, in order (optionally on one subject only). */
  publishedAudio(subject?: string): AudioMessage[] {
    return this.publishedAudioMessages.filter((m) => subject === undefined || m.subject === subject);
  }

  /** The first event of `family` the work published that matches, waiting for it if it has not come yet. */
  async waitFor<F extends EventFamily>(
    family: F,
    match: (event: FamilyEvent<F>) => boolean = () => true,
  ): Promise<FamilyEvent<F>> {
    let found: FamilyEvent<F> | undefined;
    await this.until(() => (found = this.published(family).find(match)) !== undefined);
    return found!;
  }

  /** Resolves once `condition` holds: checked now and after everything the work publishes. */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.add(() => {
        if (!condition()) return false;
        resolve();
        return true;
      });
    });
  }

  /**
   * The call ends as the gateway ends it: `call.ended` is sent, then every subscription ends after
   * what was already sent to it, and the signal aborts (as on the bus, work still reading what came
   * before may see it aborted).
   */
  async end(ending: Ending = {}): Promise<void> {
    if (this.holding !== 'live') return;
    const ended = this.send('lifecycle', {
      type: 'call.ended',
      reason: 'caller-hangup',
      durationMs: Math.max(0, this.timelineMs()),
      ...ending,
    }) as CallEnded;
    this.holding = 'ending';
    this.resolveEnded(ended);
    for (const { sub } of [...this.eventSubscriptions, ...this.audioSubscriptions]) sub.drain();
    await Promise.resolve();
    this.controller.abort();
  }

  /** Another instance took the call over: every subscription ends at once and nothing more is published. */
  supersede(): void {
    if (this.holding !== 'live') return;
    this.holding = 'handed-over';
    this.resolveEnded(undefined);
    for (const { sub } of [...this.eventSubscriptions, ...this.audioSubscriptions]) sub.close();
    this.controller.abort();
  }

  private deliver(family: EventFamily, event: AnyEvent): void {
    this.eventLog.push(event);
    const subject = `call.${this.callId}.${family}`;
    for (const s of this.eventSubscriptions) {
      if (s.family === family)
        s.sub.push({ event: JSON.parse(JSON.stringify(event)) as AnyEvent, subject, trace: extractTrace(undefined) });
    }
  }

  private wake(): void {
    for (const met of [...this.waiters]) if (met()) this.waiters.delete(met);
  }
}

function audioMessage(subject: string, pcm: Uint8Array, meta: Meta): AudioMessage {
  const headers = new Map<string, string>();
  for (const [key, value] of Object.entries(meta)) if (value !== undefined) headers.set(key, String(value));
  const header = (name: AudioHeaderName) => headers.get(name) || undefined;
  return {
    data: Uint8Array.from(pcm),
    subject,
    header,
    num: (name, fallback = 0) => {
      const value = Number(header(name));
      return Number.isFinite(value) && header(name) !== undefined ? value : fallback;
    },
  };
}
