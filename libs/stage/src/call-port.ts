import {
  PROTOCOL_VERSION,
  type AnyEvent,
  type AudioHeaderName,
  type CallDescriptor,
  type CallEnded,
  type ErrorCodeValue,
  type EventFamily,
  type FamilyEvent,
  type FamilyEventInput,
} from '@audexly/protocol';
import type { AudioMessage, Received } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';

/** An event as a stage writes it: the runtime fills in `v`, `callId` and (unless given) `timelineMs`. */
export type OutgoingEvent<F extends EventFamily> =
  FamilyEventInput<F> extends infer E
    ? E extends { v: unknown; callId: unknown; timelineMs: unknown }
      ? Omit<E, 'v' | 'callId' | 'timelineMs'> & { timelineMs?: number }
      : never
    : never;

/** How a stage reports a failure for the call (see {@link CallPort.error}). */
export interface CallErrorOptions {
  retryable?: boolean;
  /** The turn (or utterance) that failed; null when the failure is the call's. */
  turn?: number | null;
  /** The cause, for the log line. */
  err?: unknown;
}

/**
 * One call as a stage's work sees it: the few things stt, llm and tts use, and nothing of NATS.
 * `StageCall` is the implementation on the bus; `InMemoryCall` (`@audexly/stage/testing`) is the
 * one tests drive.
 *
 * - Subscriptions ({@link events}, {@link audio}) receive what is published after they were made,
 *   in order, and end on their own when the call ends (after what was already sent) or at once
 *   when the call is handed over to another instance. Make them before the work's first `await`:
 *   the claim is answered then.
 * - What the call publishes reaches its own subscriptions of that family too, as on the bus.
 */
export interface CallPort {
  /** The call descriptor the gateway sent with the claim (ids, numbers, rate, the agent). */
  readonly call: CallDescriptor;
  readonly callId: string;
  /** The call's logger (`callId` bound). */
  readonly log: Logger;
  /** Aborted when the call has ended and its subscriptions drained, or the instance handed it over. */
  readonly signal: AbortSignal;
  /**
   * This claim is a re-claim after failover: the instance that held the call fell silent or
   * released it. Recover what the stage needs from {@link readEvents} instead of starting fresh.
   */
  readonly reclaimed: boolean;
  /** Milliseconds on the call timeline (0 = the gateway accepted Exotel's `start`). */
  timelineMs(): number;
  /** This call's events of one family. */
  events<F extends EventFamily>(family: F): AsyncIterable<Received<FamilyEvent<F>>>;
  /** This call's audio on one subject (`subjects.audioIn(callId)`, …). */
  audio(subject: string): AsyncIterable<AudioMessage>;
  /** Publishes one event of the call, validated; returns it as published. */
  publish<F extends EventFamily>(family: F, event: OutgoingEvent<F>): FamilyEvent<F>;
  /** Publishes audio of the call (PCM16LE) with metadata headers. */
  publishAudio(subject: string, pcm: Uint8Array, meta: Partial<Record<AudioHeaderName, string | number>>): void;
  /** Reports a failure of this stage for this call: an error event, never only a log line. */
  error(code: ErrorCodeValue, message: string, options?: CallErrorOptions): void;
  /** The call's event log so far, in publication order (a re-claimed stage rebuilds its state from it). */
  readEvents(): Promise<AnyEvent[]>;
}

/** A call as a stage that finishes its work after the call's end sees it (the recorder). */
export interface FinishingCallPort extends CallPort {
  /**
   * Resolves with `call.ended` — the gateway's, or one the runtime made up when no gateway holds
   * the call any more (reason `error`) — or with undefined when this instance handed the call over.
   */
  readonly ended: Promise<CallEnded | undefined>;
  /** This instance no longer owns the call: it publishes and writes nothing more for it. */
  readonly superseded: boolean;
}

/**
 * A stage's work for one call, written against the port: a `CallHandler` the stage runtime hands
 * a `StageCall`, and tests an `InMemoryCall`.
 */
export type CallPortHandler<P extends CallPort = CallPort> = (call: P) => Promise<void>;

/** The event as it goes on the wire: `v`, `callId` and `timelineMs` (now on the call timeline, unless given) filled in. */
export function completeEvent<F extends EventFamily>(
  callId: string,
  timelineMs: number,
  event: OutgoingEvent<F>,
): FamilyEventInput<F> {
  return { timelineMs, ...(event as object), v: PROTOCOL_VERSION, callId } as unknown as FamilyEventInput<F>;
}
