/**
 * One call's side of NATS: its events (stamped with version, call id and timeline), its audio (held
 * through an outage by the outbox), its subscriptions, and the answer to the stages asking whether
 * the gateway still holds the call. The call's other parts publish through it and never see the bus.
 */
import {
  PROTOCOL_VERSION,
  type AnyEvent,
  type AudioHeaderName,
  type CallStatusReply,
  type EventFamily,
  type FamilyEvent,
  type FamilyEventInput,
} from '@audexly/protocol';
import type { AudioMessage, Bus, BusSubscription } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import { answerCallStatus } from './call-status.js';
import { CallAudioOutbox } from './call-audio-outbox.js';
import type { NatsLinkWatch } from '../nats-link.js';
import type { PublishBatch } from '../publish-batch.js';
import type { StageWatch } from '../stage-watch.js';
import type { CallTimeline } from './call-timeline.js';

/** An event of `family` without the fields the call's bus fills in. */
export type CallEvent<F extends EventFamily> =
  FamilyEventInput<F> extends infer E
    ? E extends { v: unknown; callId: unknown; timelineMs: unknown }
      ? Omit<E, 'v' | 'callId' | 'timelineMs'>
      : never
    : never;

export type AudioHeaders = Partial<Record<AudioHeaderName, number>>;

export interface CallBusOptions {
  bus: Bus;
  callId: string;
  timeline: CallTimeline;
  log: Logger;
  /** Batches audio publishes across calls (one NATS write per event-loop turn); absent = at once. */
  publishBatch?: PublishBatch;
  /** With both: the call's audio is held through a NATS outage until its consumers are back. */
  natsLink?: NatsLinkWatch;
  stageWatch?: StageWatch;
  sampleRate: number;
  audioHoldMs: number;
  /** Sees every event of the call the gateway publishes or receives (the call's spans). */
  observe?: (event: AnyEvent) => void;
}

export class CallBus {
  readonly callId: string;
  private readonly subscriptions: BusSubscription<unknown>[] = [];
  private readonly outbox: CallAudioOutbox | undefined;
  /** The STT instance holding the call (it must be heard again after an outage before held audio goes). */
  private sttInstance: string | undefined;
  private stopAnswering: (() => void) | undefined;
  private closed = false;

  constructor(private readonly options: CallBusOptions) {
    this.callId = options.callId;
    const { natsLink, stageWatch } = options;
    if (natsLink) {
      this.outbox = new CallAudioOutbox({
        link: () => natsLink.link(),
        consumersBack: (upSince) => {
          const stt = this.sttInstance;
          const sttBack = !stageWatch || stt === undefined || (stageWatch.lastBeatAt(stt) ?? 0) >= upSince;
          return sttBack && natsLink.captureBackSince(upSince);
        },
        send: (subject, pcm, headers) => this.sendAudio(subject, pcm, headers),
        now: Date.now,
        bytesPerMs: (options.sampleRate * 2) / 1000,
        maxHeldMs: options.audioHoldMs,
      });
    }
  }

  /** Publishes one event of the call; a failure is logged, never thrown (a bad event must not end a call). */
  publish<F extends EventFamily>(family: F, event: CallEvent<F>): void {
    try {
      this.publishOrThrow(family, event);
    } catch (err) {
      this.options.log.error({ err, family }, 'failed to publish an event');
    }
  }

  /** Publishes one event of the call; throws when it fails validation (for `call.ended`'s fallback). */
  publishOrThrow<F extends EventFamily>(family: F, event: CallEvent<F>): void {
    const full = {
      ...(event as object),
      v: PROTOCOL_VERSION,
      callId: this.callId,
      timelineMs: Math.round(this.options.timeline.ms()),
    };
    const published = this.options.bus.publishEvent(family, full as FamilyEventInput<F>);
    this.options.observe?.(published);
  }

  /** Publishes call audio (held through a NATS outage). */
  publishAudio(subject: string, pcm: Uint8Array, headers: AudioHeaders): void {
    if (this.outbox) this.outbox.publish(subject, pcm, headers);
    else this.sendAudio(subject, pcm, headers);
  }

  /** Sends caller audio frames `fromSeq`..`toSeq` again (the STT saw them missing); how many went out. */
  resendAudio(subject: string, fromSeq: number, toSeq: number): number {
    return this.outbox?.resend(subject, fromSeq, toSeq) ?? 0;
  }

  /** The STT instance now holding the call (after a claim or a failover). */
  audioHeardBy(instanceId: string): void {
    this.sttInstance = instanceId;
  }

  /** Ms of audio on `subject` lost to an outage longer than the hold. */
  audioGapMs(subject: string): number {
    return this.outbox?.gapMs(subject) ?? 0;
  }

  /** Everything held or batched goes out now (before `call.ended`). */
  flushAudio(): void {
    this.outbox?.flushAll();
    this.options.publishBatch?.flush();
  }

  /** Handles each message of `sub` in its own loop until the call's bus closes. */
  private consume<T>(sub: BusSubscription<T>, handle: (item: T) => void): void {
    this.subscriptions.push(sub);
    const loop = async () => {
      for await (const item of sub) {
        if (this.closed) break;
        try {
          handle(item);
        } catch (err) {
          this.options.log.error({ err }, 'failed to handle a bus message');
        }
      }
    };
    loop().catch((err: unknown) => this.options.log.warn({ err }, 'bus subscription ended with an error'));
  }

  /** Handles the call's events of one family, in order. */
  onEvents<F extends EventFamily>(family: F, handle: (event: FamilyEvent<F>) => void): void {
    const observe = this.options.observe;
    this.consume(this.options.bus.subscribeEvents(this.callId, family), ({ event }) => {
      observe?.(event);
      handle(event);
    });
  }

  /** Handles the audio messages of one subject, in order. */
  onAudio(subject: string, handle: (message: AudioMessage) => void): void {
    this.consume(this.options.bus.subscribeAudio(subject), handle);
  }

  /** Answers the stages asking whether a gateway still holds the call, until {@link close}. */
  answerStatus(state: () => CallStatusReply['state']): void {
    this.stopAnswering ??= answerCallStatus(this.options.bus, this.callId, state, this.options.log);
  }

  /** Stops every subscription: nothing more of the call is handled. */
  stopListening(): void {
    this.closed = true;
    for (const sub of this.subscriptions) sub.unsubscribe();
  }

  /** Stops listening and answering: the call is over for the gateway (after `call.ended` went out). */
  close(): void {
    this.stopListening();
    this.stopAnswering?.();
  }

  private sendAudio(subject: string, pcm: Uint8Array, headers: AudioHeaders): void {
    const { bus, publishBatch } = this.options;
    if (publishBatch) publishBatch.defer(() => bus.publishAudio(subject, pcm, headers));
    else bus.publishAudio(subject, pcm, headers);
  }
}
