/**
 * One Exotel WebSocket: the call's lifecycle from `start` to `call.ended`. Frames from Exotel are
 * parsed tolerantly; caller audio goes to `audio.in`; agent audio from `audio.out` is re-chunked,
 * paced and sent back with marks; control and speech events drive interruptions and hang-ups.
 * Nothing a caller sends can throw out of this class or affect another call.
 */
import type { WebSocket } from 'ws';
import {
  AudioHeader,
  ErrorCode,
  PROTOCOL_VERSION,
  callDescriptorSchema,
  subjects,
  toCallId,
  type AgentConfig,
  type CallDescriptor,
  type EndReason,
  type EventFamily,
  type FamilyEventInput,
  type SampleRate,
} from '@audexly/protocol';
import type { Bus, BusSubscription } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import { CallerAudio, SequenceTracker } from './caller-audio.js';
import { claimAll, type ClaimFunction } from './claims.js';
import {
  chooseSampleRate,
  clearMessage,
  markMessage,
  mediaMessage,
  parseExotelFrame,
  type DtmfFrame,
  type ExotelFrame,
  type MarkFrame,
  type StartFrame,
  type StopFrame,
} from './exotel/protocol.js';
import type { GatewayMetrics } from './metrics.js';
import { systemClock, type PacerClock } from './pacer.js';
import { AgentPlayout, type SegmentRef } from './playout.js';

/** What a session needs from the gateway. */
export interface SessionSettings {
  chunkMs: number;
  chunkMinMs: number;
  chunkMaxMs: number;
  leadMs: number;
  hangupTimeoutMs: number;
  prestartBufferMs: number;
  /** A socket that sends no `start` within this long is closed. */
  startTimeoutMs: number;
  bargeIn: boolean;
}

export interface SessionDeps {
  bus: Bus;
  log: Logger;
  metrics: GatewayMetrics;
  settings: SessionSettings;
  agent: AgentConfig;
  claim: ClaimFunction;
  /** `?sample-rate=` (or `sample_rate`) from the upgrade URL. */
  urlSampleRate: string | null;
  clock?: PacerClock;
  /** Called once, when the session has ended. */
  onEnd(session: CallSession): void;
}

type Outgoing<F extends EventFamily> =
  FamilyEventInput<F> extends infer E ? (E extends { v: unknown; callId: unknown; timelineMs: unknown } ? Omit<E, 'v' | 'callId' | 'timelineMs'> : never) : never;

type State = 'connecting' | 'claiming' | 'live' | 'ended';

/** Close codes we use: normal, going away (drain), policy (no start), internal error (no capacity). */
const CLOSE = { normal: 1000, goingAway: 1001, policy: 1008, error: 1011 } as const;
/** How long agent audio must be quiet before a hang-up closes the socket. */
const HANGUP_QUIET_MS = 300;
/** Malformed frames logged at warn per call; the rest at debug. */
const MALFORMED_WARN_LIMIT = 5;

export class CallSession {
  /** Resolves when the session has ended (call.ended published, socket closing). */
  readonly done: Promise<void>;
  private state: State = 'connecting';
  private log: Logger;
  private readonly clock: PacerClock;
  private t0 = 0;
  private call: CallDescriptor | undefined;
  private callerAudio: CallerAudio | undefined;
  private playout: AgentPlayout | undefined;
  private readonly sequence = new SequenceTracker();
  private readonly subscriptions: BusSubscription<unknown>[] = [];
  private readonly firstAudioIn = new Map<number, number>();
  private readonly startedTurns = new Set<number>();
  private readonly interruptedTurns = new Set<number>();
  private readonly speechEndMs = new Map<number, number>();
  private audioInSeq = 0;
  private audioSentSeq = 0;
  private lastAgentAudioAt = -Infinity;
  private malformed = 0;
  private sampleRateWarned = false;
  private hangupTimer: NodeJS.Timeout | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private resolveDone!: () => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    this.log = deps.log;
    this.clock = deps.clock ?? systemClock;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (err) => this.log.warn({ err }, 'Exotel socket error'));
    this.startTimer = setTimeout(() => {
      if (this.state === 'connecting') this.end('socket-closed', 'no start event', CLOSE.policy, 'no start');
    }, deps.settings.startTimeoutMs);
  }

  get callId(): string | undefined {
    return this.call?.callId;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Ms since the gateway accepted `start`. */
  timelineMs(): number {
    return this.clock.now() - this.t0;
  }

  // ---- inbound frames -------------------------------------------------------------------------

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    try {
      if (isBinary) {
        this.rejectFrame('binary', 'binary frame from Exotel');
        return;
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      const result = parseExotelFrame(text);
      if (!result.ok) {
        this.rejectFrame(result.error.code, result.error.message, result.error.event);
        return;
      }
      this.onFrame(result.frame);
    } catch (err) {
      // A bug handling one frame must not end the call or the gateway.
      this.deps.metrics.malformedFrames.inc({ reason: 'handler-error' });
      this.log.error({ err }, 'failed to handle an Exotel frame');
    }
  }

  private rejectFrame(reason: string, message: string, event?: string): void {
    this.deps.metrics.malformedFrames.inc({ reason });
    this.malformed++;
    const level = this.malformed <= MALFORMED_WARN_LIMIT ? 'warn' : 'debug';
    this.log[level]({ reason, event, malformed: this.malformed }, `dropped a malformed Exotel frame: ${message}`);
  }

  private onFrame(frame: ExotelFrame): void {
    this.deps.metrics.framesIn.inc({ event: frame.event });
    if (frame.event === 'connected') return;
    if (this.state === 'ended') return;
    if (frame.event !== 'start' && this.call && frame.streamSid !== null && frame.streamSid !== this.call.streamSid) {
      this.rejectFrame('foreign-stream', 'frame of another stream_sid', frame.event);
      return;
    }
    const gap = this.sequence.observe(frame.sequenceNumber);
    if (gap.lost > 0) {
      this.deps.metrics.lostFrames.inc(gap.lost);
      this.log.debug({ lost: gap.lost, sequenceNumber: frame.sequenceNumber }, 'Exotel frames missing');
    }
    if (gap.reordered) this.deps.metrics.reorderedFrames.inc();
    switch (frame.event) {
      case 'start':
        try {
          this.onStart(frame);
        } catch (err) {
          this.log.error({ err }, 'could not start the call');
          this.end('error', 'invalid start', CLOSE.error, 'invalid start');
        }
        return;
      case 'media':
        if (!this.callerAudio) {
          this.rejectFrame('media-before-start', 'media before start', 'media');
          return;
        }
        this.callerAudio.push(frame.pcm);
        return;
      case 'dtmf':
        this.onDtmf(frame);
        return;
      case 'mark':
        this.onMark(frame);
        return;
      case 'stop':
        this.onStop(frame);
        return;
      case 'unknown':
        this.log.debug({ event: frame.name }, 'ignored an unknown Exotel event');
        return;
    }
  }

  private onStart(frame: StartFrame): void {
    if (this.state !== 'connecting') {
      this.log.warn('ignored a second start event');
      return;
    }
    clearTimeout(this.startTimer);
    this.t0 = this.clock.now();
    const startedAt = Date.now();
    const rate = chooseSampleRate(this.deps.urlSampleRate, frame.sampleRate);
    const callId = toCallId(frame.callSid);
    this.log = this.deps.log.child({ callId });
    if (rate.warning) this.log.warn({ sampleRate: rate.sampleRate, source: rate.source }, `sample rate: ${rate.warning}`);
    const call = callDescriptorSchema.parse({
      callId,
      callSid: frame.callSid,
      streamSid: frame.streamSid,
      accountSid: frame.accountSid,
      from: frame.from,
      to: frame.to,
      direction: 'inbound',
      sampleRate: rate.sampleRate,
      customParameters: frame.customParameters,
      startedAt,
      agent: { ...this.deps.agent, sampleRate: rate.sampleRate },
    });
    this.call = call;
    this.state = 'claiming';
    this.deps.metrics.activeCalls.inc();
    this.log.info(
      { pii: { from: call.from, to: call.to, customParameters: call.customParameters }, sampleRate: call.sampleRate, rateSource: rate.source, streamSid: call.streamSid, accountSid: call.accountSid },
      'call start',
    );
    this.callerAudio = new CallerAudio(call.sampleRate, this.deps.settings.prestartBufferMs, (f) => this.publishAudioIn(f.pcm, f.timelineMs));
    this.playout = this.createPlayout(call.sampleRate);
    // Subscribe before claiming: stages may publish as soon as call.started is out.
    this.consume(this.deps.bus.subscribeAudio(subjects.audioOut(callId)), (msg) => {
      const turn = msg.num(AudioHeader.turn);
      const rateHeader = msg.num(AudioHeader.sampleRate, call.sampleRate);
      if (rateHeader !== call.sampleRate && !this.sampleRateWarned) {
        this.sampleRateWarned = true;
        this.log.warn({ got: rateHeader, want: call.sampleRate }, 'agent audio at the wrong sample rate');
      }
      this.onAgentAudio(turn, msg.num(AudioHeader.segment), Buffer.from(msg.data), msg.header(AudioHeader.last) === '1');
    });
    this.consume(this.deps.bus.subscribeEvents(callId, 'control'), ({ event }) => {
      switch (event.type) {
        case 'control.interrupt':
          this.interrupt(event.turn, event.reason, false);
          return;
        case 'control.hangup':
          this.hangup(event.afterTurn, 'agent-hangup', event.reason);
          return;
        case 'control.transfer':
          this.hangup(event.afterTurn, 'transfer', event.reason);
          return;
        case 'control.dtmf':
          return;
      }
    });
    this.consume(this.deps.bus.subscribeEvents(callId, 'speech'), ({ event }) => {
      if (event.type === 'speech.started') this.onCallerSpeech(event.utterance);
      else this.speechEndMs.set(event.utterance, event.speechEndMs);
    });
    this.claimStages(call).catch((err: unknown) => this.log.error({ err }, 'starting the call failed'));
  }

  private async claimStages(call: CallDescriptor): Promise<void> {
    const began = this.clock.now();
    let outcome;
    try {
      await this.deps.bus.flush();
      outcome = await claimAll(this.deps.claim, call);
    } catch (err) {
      this.log.error({ err }, 'claiming stages failed');
      outcome = { ok: false, failed: [], results: [] };
    }
    this.deps.metrics.claimMs.observe(this.clock.now() - began);
    if (this.state === 'ended') return; // the socket went away meanwhile; call.ended is out
    if (!outcome.ok) {
      const detail = outcome.failed.map((f) => `${f.stage}: ${f.reason}`).join(', ') || 'claim failed';
      this.log.warn({ failed: outcome.failed }, 'no capacity for the call');
      this.publish('error', { type: 'error', stage: 'gateway', code: ErrorCode.noCapacity, message: `no capacity: ${detail}`, retryable: true, turn: null });
      this.end('no-capacity', detail, CLOSE.error, 'no capacity');
      return;
    }
    this.publish('lifecycle', { type: 'call.started', call });
    this.state = 'live';
    this.log.info({ claimMs: Math.round(this.clock.now() - began), instances: outcome.results.map((r) => (r.ok ? `${r.stage}:${r.instanceId}` : r.stage)) }, 'call started');
    this.callerAudio?.goLive();
    if (this.callerAudio && this.callerAudio.droppedWhileHeld > 0) {
      this.log.warn({ dropped: this.callerAudio.droppedWhileHeld }, 'caller audio dropped while claiming');
    }
  }

  private onDtmf(frame: DtmfFrame): void {
    if (!this.call) return;
    this.log.info({ pii: { digit: frame.digit } }, 'dtmf');
    this.publish('control', { type: 'control.dtmf', digit: frame.digit, durationMs: frame.durationMs });
  }

  private onMark(frame: MarkFrame): void {
    const info = this.playout?.markEchoed(frame.name);
    if (!info) {
      this.log.debug({ mark: frame.name }, 'ignored an echo of a mark we are not waiting for');
      return;
    }
    this.publish('playback', { type: 'playback.segment-played', turn: info.turn, segment: info.segment, audioMs: info.audioMs });
  }

  private onStop(frame: StopFrame): void {
    const reason: EndReason = frame.reason === 'stopped' ? 'stopped' : 'caller-hangup';
    this.end(reason, frame.reason, CLOSE.normal, 'stop');
  }

  private onClose(code: number, reason: string): void {
    if (this.state === 'ended') return;
    this.end('socket-closed', `close ${code}${reason ? ` ${reason.slice(0, 60)}` : ''}`);
  }

  // ---- caller audio ---------------------------------------------------------------------------

  private publishAudioIn(pcm: Buffer, timelineMs: number): void {
    if (!this.call) return;
    this.deps.bus.publishAudio(subjects.audioIn(this.call.callId), pcm, {
      [AudioHeader.seq]: this.audioInSeq++,
      [AudioHeader.timelineMs]: Math.round(timelineMs * 1000) / 1000,
      [AudioHeader.sampleRate]: this.call.sampleRate,
    });
  }

  private onCallerSpeech(utterance: number): void {
    if (!this.deps.settings.bargeIn || !this.playout || this.state !== 'live') return;
    const turn = this.playout.currentTurn();
    if (turn === null || !this.playout.isPlaying() || this.interruptedTurns.has(turn)) return;
    this.log.info({ turn, utterance }, 'barge-in');
    this.interrupt(turn, 'barge-in', true);
  }

  // ---- agent audio ----------------------------------------------------------------------------

  private createPlayout(sampleRate: SampleRate): AgentPlayout {
    const s = this.deps.settings;
    return new AgentPlayout({
      sampleRate,
      chunk: { targetMs: s.chunkMs, minMs: s.chunkMinMs, maxMs: s.chunkMaxMs },
      leadMs: s.leadMs,
      clock: this.clock,
      sink: {
        media: (pcm, ref, info) => this.sendMedia(pcm, ref, info.playAt, info.late),
        mark: (name) => this.send(markMessage(this.call!.streamSid, name)),
      },
    });
  }

  private onAgentAudio(turn: number, segment: number, pcm: Buffer, last: boolean): void {
    if (this.state === 'ended' || !this.playout) return;
    if (this.interruptedTurns.has(turn)) return;
    if (!this.firstAudioIn.has(turn)) this.firstAudioIn.set(turn, this.timelineMs());
    this.lastAgentAudioAt = this.clock.now();
    this.playout.audio(turn, segment, pcm, last);
  }

  private sendMedia(pcm: Buffer, ref: SegmentRef, playAt: number, late: boolean): void {
    const call = this.call!;
    this.send(mediaMessage(call.streamSid, pcm));
    this.deps.metrics.chunksOut.inc();
    if (late) this.deps.metrics.lateChunks.inc();
    this.deps.bus.publishAudio(subjects.audioSent(call.callId), pcm, {
      [AudioHeader.turn]: ref.turn,
      [AudioHeader.segment]: ref.segment,
      [AudioHeader.seq]: this.audioSentSeq++,
      [AudioHeader.timelineMs]: Math.round((playAt - this.t0) * 1000) / 1000,
      [AudioHeader.sampleRate]: call.sampleRate,
    });
    if (!this.startedTurns.has(ref.turn)) {
      this.startedTurns.add(ref.turn);
      const now = this.timelineMs();
      this.publish('playback', { type: 'playback.started', turn: ref.turn, firstAudioInMs: this.firstAudioIn.get(ref.turn) ?? now });
      const speechEnd = this.speechEndMs.get(ref.turn);
      if (ref.turn > 0 && speechEnd !== undefined && now >= speechEnd) this.deps.metrics.voiceToVoiceMs.observe(now - speechEnd);
    }
  }

  /**
   * Stops the agent: `clear` to Exotel, queued audio dropped, `playback.interrupted` with what was
   * heard. `announce` also publishes `control.interrupt` (barge-in detected here).
   */
  private interrupt(turn: number, reason: string, announce: boolean): void {
    if (!this.playout || !this.call || this.interruptedTurns.has(turn)) return;
    this.interruptedTurns.add(turn);
    this.send(clearMessage(this.call.streamSid));
    const result = this.playout.interrupt(turn);
    if (announce) this.publish('control', { type: 'control.interrupt', turn, reason });
    this.publish('playback', { type: 'playback.interrupted', turn, heardSegments: result?.heardSegments ?? [] });
    this.log.info({ turn, reason, heard: result?.heardSegments.length ?? 0 }, 'agent interrupted');
  }

  /**
   * Ends the call from our side once the agent has been heard: the marks of `afterTurn` (or of
   * everything sent) came back and agent audio went quiet, or `hangupTimeoutMs` passed.
   */
  private hangup(afterTurn: number | null, reason: 'agent-hangup' | 'transfer', detail: string): void {
    if (this.hangupTimer || this.state === 'ended') return;
    const deadline = this.clock.now() + this.deps.settings.hangupTimeoutMs;
    this.log.info({ afterTurn, reason }, 'hang-up requested');
    const check = () => {
      if (this.state === 'ended') return;
      const now = this.clock.now();
      const turnDone =
        afterTurn === null || this.interruptedTurns.has(afterTurn) || (this.startedTurns.has(afterTurn) && (this.playout?.marks.outstandingForTurn(afterTurn) ?? 0) === 0);
      const quiet = !(this.playout?.isPlaying() ?? false) && now - this.lastAgentAudioAt >= HANGUP_QUIET_MS;
      if ((turnDone && quiet) || now >= deadline) {
        clearInterval(this.hangupTimer);
        this.end(reason, detail || (now >= deadline ? 'hang-up timeout' : ''), CLOSE.normal, reason);
      }
    };
    this.hangupTimer = setInterval(check, 50);
    check();
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private send(message: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(message);
  }

  private publish<F extends EventFamily>(family: F, event: Outgoing<F>): void {
    if (!this.call) return;
    try {
      const full = { ...(event as object), v: PROTOCOL_VERSION, callId: this.call.callId, timelineMs: Math.round(this.timelineMs()) };
      this.deps.bus.publishEvent(family, full as FamilyEventInput<F>);
    } catch (err) {
      this.log.error({ err, family }, 'failed to publish an event');
    }
  }

  private consume<T>(sub: BusSubscription<T>, handle: (item: T) => void): void {
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

  /**
   * Ends the call once: `call.ended` (when `start` was accepted), subscriptions and pacing
   * stopped, the socket closed with `closeCode` (when given and still open).
   */
  end(reason: EndReason, detail: string, closeCode?: number, closeReason?: string): void {
    if (this.state === 'ended') return;
    const wasStarted = this.call !== undefined;
    this.state = 'ended';
    clearTimeout(this.startTimer);
    clearInterval(this.hangupTimer);
    this.playout?.stop();
    for (const sub of this.subscriptions) sub.unsubscribe();
    if (wasStarted) {
      // state is already 'ended'; publish directly.
      this.publish('lifecycle', { type: 'call.ended', reason, detail, durationMs: Math.round(this.timelineMs()) });
      this.deps.metrics.activeCalls.dec();
      this.deps.metrics.callsEnded.inc({ reason });
      this.log.info({ reason, detail, durationMs: Math.round(this.timelineMs()), lostFrames: this.sequence.lost, malformed: this.malformed }, 'call ended');
    }
    if (closeCode !== undefined && (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING)) {
      this.ws.close(closeCode, closeReason?.slice(0, 100));
    }
    this.resolveDone();
    this.deps.onEnd(this);
  }

  /** Forcibly drops the socket (after a drain's grace period). */
  terminate(): void {
    this.ws.terminate();
  }
}
