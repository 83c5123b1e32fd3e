/**
 * What every part of one call shares: its state, logger, clock and timeline, the descriptor once
 * known, and the plumbing to Exotel (the socket) and to NATS (events, audio, subscriptions).
 */
import type { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION,
  type AudioHeaderName,
  type CallDescriptor,
  type EndReason,
  type EventFamily,
  type FamilyEventInput,
  type SampleRate,
} from '@audexly/protocol';
import type { BusSubscription } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import { systemClock, type PacerClock } from './pacer.js';
import type { AgentPlayout } from './playout.js';
import type { SessionDeps } from './session-deps.js';

/** An event of `family` without the fields `publish` fills in. */
export type Outgoing<F extends EventFamily> =
  FamilyEventInput<F> extends infer E ? (E extends { v: unknown; callId: unknown; timelineMs: unknown } ? Omit<E, 'v' | 'callId' | 'timelineMs'> : never) : never;

export type SessionState = 'connecting' | 'claiming' | 'live' | 'ended';

/** Ends the call once (see `CallSession.end`). */
export type EndCall = (reason: EndReason, detail: string, closeCode?: number, closeReason?: string) => void;

export class CallContext {
  state: SessionState = 'connecting';
  log: Logger;
  readonly clock: PacerClock;
  /** Clock time the gateway accepted `start`. */
  t0 = 0;
  /** Set at an accepted `start`; `call` follows once the agent is known. */
  callId: string | undefined;
  call: CallDescriptor | undefined;
  streamSid = '';
  playout: AgentPlayout | undefined;
  private readonly subscriptions: BusSubscription<unknown>[] = [];

  constructor(
    private readonly ws: WebSocket,
    readonly deps: SessionDeps,
    readonly end: EndCall,
  ) {
    this.log = deps.log;
    this.clock = deps.clock ?? systemClock;
  }

  /** Ms since the gateway accepted `start`. */
  timelineMs(): number {
    return this.clock.now() - this.t0;
  }

  callRate(): SampleRate {
    return this.call?.sampleRate ?? 8000;
  }

  send(message: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(message);
  }

  publish<F extends EventFamily>(family: F, event: Outgoing<F>): void {
    if (this.callId === undefined) return;
    try {
      const full = { ...(event as object), v: PROTOCOL_VERSION, callId: this.callId, timelineMs: Math.round(this.timelineMs()) };
      this.deps.bus.publishEvent(family, full as FamilyEventInput<F>);
    } catch (err) {
      this.log.error({ err, family }, 'failed to publish an event');
    }
  }

  publishAudio(subject: string, pcm: Uint8Array, headers: Partial<Record<AudioHeaderName, number>>): void {
    const batch = this.deps.publishBatch;
    if (batch) batch.defer(() => this.deps.bus.publishAudio(subject, pcm, headers));
    else this.deps.bus.publishAudio(subject, pcm, headers);
  }

  consume<T>(sub: BusSubscription<T>, handle: (item: T) => void): void {
    this.subscriptions.push(sub);
    const loop = async () => {
      for await (const item of sub) {
        if (this.state === 'ended') break;
        try {
          handle(item);
        } catch (err) {
          this.log.error({ err }, 'failed to handle a bus message');
        }
      }
    };
    loop().catch((err: unknown) => this.log.warn({ err }, 'bus subscription ended with an error'));
  }

  unsubscribeAll(): void {
    for (const sub of this.subscriptions) sub.unsubscribe();
  }
}
