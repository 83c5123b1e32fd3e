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
  type AudioHeaderName,
  PROTOCOL_VERSION,
  callDescriptorSchema,
  subjects,
  toCallId,
  toE164,
  type CallDescriptor,
  type EndReason,
  type EventFamily,
  type FamilyEventInput,
  type SampleRate,
} from '@audexly/protocol';
import type { Bus, BusSubscription, ClaimResult } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import type { AgentChoice } from './agent-directory.js';
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
import { DtmfCollector } from './dtmf-collector.js';
import type { GatewayMetrics } from './metrics.js';
import type { PublishBatch } from './publish-batch.js';
import { MessageRateLimit } from './rate-limit.js';
import type { TransferDecision } from './telephony/transfers.js';
import { systemClock, type PacerClock } from './pacer.js';
import { AgentPlayout, type SegmentRef } from './playout.js';
import { CallFailover } from './call-failover.js';
import type { StageWatch } from './stage-watch.js';

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
  /** Inbound messages per second a connection may send; more closes it with 1008. */
  maxMessagesPerS: number;
}

export interface SessionDeps {
  bus: Bus;
  log: Logger;
  metrics: GatewayMetrics;
  settings: SessionSettings;
  /** The agent for the dialled number (falls back to the default agent; never rejects). */
  agentFor(dialled: string): Promise<AgentChoice>;
  claim: ClaimFunction;
  /** `?sample-rate=` (or `sample_rate`) from the upgrade URL. */
  urlSampleRate: string | null;
  /** `outbound` when the api placed the call (its stream token names the agent). */
  direction?: 'inbound' | 'outbound';
  /** Set when the socket was opened with a per-call token: `start.call_sid` must match it. */
  tokenCallSid: string | null;
  /** Stores a transfer decision for Exotel's Connect applet (KV `transfers`). */
  saveTransfer(decision: TransferDecision): Promise<void>;
  /** Batches audio publishes across calls (one NATS write per event-loop turn); absent = publish at once. */
  publishBatch?: PublishBatch;
  /** The pre-recorded apology played when a stage cannot be claimed, per rate; null = none. */
  noCapacityAudio: ReadonlyMap<SampleRate, Buffer> | null;
  clock?: PacerClock;
  /** Called at `start`: false when another live session already has this call id. */
  register(callId: string, session: CallSession): boolean;
  /** Called once, when the session has ended. */
  onEnd(session: CallSession): void;
  /** Stage heartbeats; when given, a stage whose instance is lost mid-call is re-claimed. */
  stageWatch?: StageWatch;
}

type Outgoing<F extends EventFamily> =
  FamilyEventInput<F> extends infer E ? (E extends { v: unknown; callId: unknown; timelineMs: unknown } ? Omit<E, 'v' | 'callId' | 'timelineMs'> : never) : never;

type State = 'connecting' | 'claiming' | 'live' | 'ended';

/** Close codes we use: normal, going away (drain), policy (no start, rate, token), internal error, try again later. */
export const CLOSE = { normal: 1000, goingAway: 1001, policy: 1008, tooBig: 1009, error: 1011, tryAgainLater: 1013 } as const;
/** Turn number of the no-capacity apology: far above any agent turn. */
const APOLOGY_TURN = 1_000_000;
/** How long storing a transfer decision may take before the socket closes anyway. */
const TRANSFER_SAVE_TIMEOUT_MS = 2000;
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
  /** Set at an accepted `start`; `call` follows once the agent is known. */
  private startedCallId: string | undefined;
  private streamSid = '';
  private dtmf: DtmfCollector | undefined;
  private readonly rateLimit: MessageRateLimit;
  private callerAudio: CallerAudio | undefined;
  private playout: AgentPlayout | undefined;
  private failover: CallFailover | undefined;
  private readonly sequence = new SequenceTracker();
  private readonly subscriptions: BusSubscription<unknown>[] = [];
  private readonly firstAudioIn = new Map<number, number>();
  /** Per turn: time inside the TTS provider to its first audio (`Audexly-Provider-Ms` of the turn's first message). */
  private readonly ttsProviderMs = new Map<number, number>();
  private readonly startedTurns = new Set<number>();
  private readonly interruptedTurns = new Set<number>();
  /** Segments per turn so far (latest `reply.done`): a turn is heard once all of them are. */
  private readonly replySegments = new Map<number, number>();
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
    this.rateLimit = new MessageRateLimit(deps.settings.maxMessagesPerS, () => this.clock.now());
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        // ws closes the socket with 1009 itself.
        this.deps.metrics.limitCloses.inc({ limit: 'frame-size' });
        this.log.warn({ limit: 'frame-size', closeCode: CLOSE.tooBig }, 'closing: frame larger than MAX_FRAME_BYTES');
        this.end('error', 'frame too large', CLOSE.tooBig, 'frame too large');
        return;
      }
      this.log.warn({ err }, 'Exotel socket error');
    });
    this.startTimer = setTimeout(() => {
      if (this.state === 'connecting') this.end('socket-closed', 'no start event', CLOSE.policy, 'no start');
    }, deps.settings.startTimeoutMs);
  }

  get callId(): string | undefined {
    return this.startedCallId;
  }

  /** Closes a connection the gateway cannot take (over MAX_CALLS): 1013, try again later. */
  refuse(reason: string, code: number = CLOSE.tryAgainLater): void {
    this.end('no-capacity', reason, code, reason);
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
      if (this.state === 'ended') return;
      if (!this.rateLimit.take()) {
        this.deps.metrics.limitCloses.inc({ limit: 'message-rate' });
        this.log.warn({ limit: 'message-rate', maxPerS: this.deps.settings.maxMessagesPerS, closeCode: CLOSE.policy }, 'closing: too many messages per second');
        this.end('error', 'message rate limit', CLOSE.policy, 'message rate limit');
        return;
      }
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
      if (result.unknownKeys) {
        this.deps.metrics.unknownKeys.inc(result.unknownKeys.length);
        this.log.debug({ keys: result.unknownKeys.slice(0, 5).map((k) => k.slice(0, 40)), event: result.frame.event }, 'ignored unknown keys in an Exotel frame');
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
    if (frame.event !== 'start' && this.startedCallId !== undefined && frame.streamSid !== null && frame.streamSid !== this.streamSid) {
      this.rejectFrame('foreign-stream', 'frame of another stream_sid', frame.event);
      return;
    }
    const gap = this.sequence.observe(frame.sequenceNumber);
    if (gap.lost > 0) {
      this.deps.metrics.lostFrames.inc(gap.lost);
      this.log.debug({ lost: gap.lost, sequenceNumber: frame.sequenceNumber }, 'Exotel frames missing');
    }
    if (gap.reordered) {
      this.deps.metrics.reorderedFrames.inc();
      this.log.debug({ sequenceNumber: frame.sequenceNumber }, 'Exotel frame out of order');
    }
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
        this.deps.metrics.unknownEvents.inc();
        this.log.debug({ event: frame.name.slice(0, 40) }, 'ignored an unknown Exotel event');
        return;
    }
  }

  private onStart(frame: StartFrame): void {
    if (this.state !== 'connecting') {
      this.log.warn('ignored a second start event');
      return;
    }
    const callId = toCallId(frame.callSid);
    if (this.deps.tokenCallSid !== null && this.deps.tokenCallSid !== frame.callSid) {
      this.deps.metrics.limitCloses.inc({ limit: 'call-token' });
      this.log.warn({ callId, closeCode: CLOSE.policy }, 'closing: the stream token belongs to another call');
      this.end('error', 'stream token of another call', CLOSE.policy, 'token mismatch');
      return;
    }
    if (!this.deps.register(callId, this)) {
      this.deps.metrics.limitCloses.inc({ limit: 'duplicate-call' });
      this.log.warn({ callId, closeCode: CLOSE.policy }, 'closing: a live call already has this call_sid');
      this.end('error', 'duplicate call_sid', CLOSE.policy, 'duplicate call');
      return;
    }
    clearTimeout(this.startTimer);
    this.t0 = this.clock.now();
    const startedAt = Date.now();
    const rate = chooseSampleRate(this.deps.urlSampleRate, frame.sampleRate);
    this.startedCallId = callId;
    this.streamSid = frame.streamSid;
    this.log = this.deps.log.child({ callId });
    if (rate.warning) this.log.warn({ sampleRate: rate.sampleRate, source: rate.source }, `sample rate: ${rate.warning}`);
    this.state = 'claiming';
    this.deps.metrics.activeCalls.inc();
    this.log.info(
      { pii: { from: frame.from, to: frame.to, customParameters: frame.customParameters }, sampleRate: rate.sampleRate, rateSource: rate.source, streamSid: frame.streamSid, accountSid: frame.accountSid },
      'call start',
    );
    const sampleRate = rate.sampleRate;
    this.callerAudio = new CallerAudio(sampleRate, this.deps.settings.prestartBufferMs, (f) => this.publishAudioIn(f.pcm, f.timelineMs));
    this.playout = this.createPlayout(sampleRate);
    // Subscribe before claiming: stages may publish as soon as call.started is out.
    this.consume(this.deps.bus.subscribeAudio(subjects.audioOut(callId)), (msg) => {
      // After a failover, audio from an instance that lost the call (paused, then back) is not played.
      if (this.failover && !this.failover.accepts(msg.header(AudioHeader.instance))) return;
      const turn = msg.num(AudioHeader.turn);
      const rateHeader = msg.num(AudioHeader.sampleRate, sampleRate);
      if (rateHeader !== sampleRate && !this.sampleRateWarned) {
        this.sampleRateWarned = true;
        this.log.warn({ got: rateHeader, want: sampleRate }, 'agent audio at the wrong sample rate');
      }
      if (!this.firstAudioIn.has(turn) && msg.header(AudioHeader.providerMs) !== undefined) this.ttsProviderMs.set(turn, msg.num(AudioHeader.providerMs));
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
          this.transfer(event.to, event.afterTurn, event.reason);
          return;
        case 'control.dtmf':
        case 'control.dtmf-input':
        case 'control.reassigned':
          return;
      }
    });
    this.consume(this.deps.bus.subscribeEvents(callId, 'speech'), ({ event }) => {
      if (event.type === 'speech.started') this.onCallerSpeech(event.utterance);
      else this.speechEndMs.set(event.utterance, event.speechEndMs);
    });
    // A goodbye can continue a turn the caller has already heard (idle hang-up, an answer to DTMF):
    // the hang-up waits for the segment count `reply.done` announced before `control.hangup`.
    this.consume(this.deps.bus.subscribeEvents(callId, 'reply'), ({ event }) => {
      if (event.type === 'reply.done') this.replySegments.set(event.turn, Math.max(this.replySegments.get(event.turn) ?? 0, event.segments));
    });
    this.beginCall(frame, sampleRate, startedAt).catch((err: unknown) => {
      this.log.error({ err }, 'starting the call failed');
      this.end('error', 'could not start the call', CLOSE.error, 'internal error');
    });
  }

  /** Picks the agent by the dialled number, then claims the stages. */
  private async beginCall(frame: StartFrame, sampleRate: SampleRate, startedAt: number): Promise<void> {
    const { agent, source } = await this.deps.agentFor(frame.to);
    if (this.state === 'ended') return;
    const call = callDescriptorSchema.parse({
      callId: this.startedCallId,
      callSid: frame.callSid,
      streamSid: frame.streamSid,
      accountSid: frame.accountSid,
      from: frame.from,
      to: frame.to,
      direction: this.deps.direction ?? 'inbound',
      sampleRate,
      customParameters: frame.customParameters,
      startedAt,
      agent: { ...agent, sampleRate },
    });
    this.call = call;
    if (agent.sampleRate !== sampleRate) this.log.info({ agentRate: agent.sampleRate, callRate: sampleRate }, "call rate differs from the agent's; the call's rate wins");
    this.log.info({ agentId: agent.id, agentSource: source }, 'agent chosen');
    await this.claimStages(call);
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
      this.apologise(detail);
      return;
    }
    this.publish('lifecycle', { type: 'call.started', call });
    this.state = 'live';
    this.watchStages(call, outcome.results);
    this.log.info({ claimMs: Math.round(this.clock.now() - began), instances: outcome.results.map((r) => (r.ok ? `${r.stage}:${r.instanceId}` : r.stage)) }, 'call started');
    this.callerAudio?.goLive();
    if (this.callerAudio && this.callerAudio.droppedWhileHeld > 0) {
      this.log.warn({ dropped: this.callerAudio.droppedWhileHeld }, 'caller audio dropped while claiming');
    }
  }

  /** Failover: watches the instances holding the call's stages and re-claims a lost one. */
  private watchStages(call: CallDescriptor, results: readonly ClaimResult[]): void {
    const watch = this.deps.stageWatch;
    if (!watch) return;
    this.failover = new CallFailover({
      call,
      watch,
      claim: this.deps.claim,
      log: this.log,
      metrics: this.deps.metrics,
      live: () => this.state === 'live',
      announce: (stage, instanceId, previousInstanceId, lastHeartbeatAt) =>
        this.publish('control', { type: 'control.reassigned', stage, instanceId, previousInstanceId, lastHeartbeatAt }),
      lost: (stage) => {
        // Its unfinished segment never gets its closing message: play what came and move on.
        if (stage === 'tts') {
          const ended = this.playout?.endOpenSegments() ?? 0;
          if (ended > 0) this.log.warn({ segments: ended }, 'ended agent segments left open by the lost TTS instance');
        }
      },
      noCapacity: (stage, detail) => {
        this.publish('error', { type: 'error', stage: 'gateway', code: ErrorCode.noCapacity, message: `no capacity: ${detail}`, retryable: true, turn: null });
        this.apologise(detail);
      },
    });
    this.failover.start(results);
  }

  private onDtmf(frame: DtmfFrame): void {
    if (this.startedCallId === undefined) return;
    this.log.info({ pii: { digit: frame.digit } }, 'dtmf');
    this.publish('control', { type: 'control.dtmf', digit: frame.digit, durationMs: frame.durationMs });
    this.dtmf ??= new DtmfCollector(
      (this.call?.agent ?? { dtmf: { terminator: '#', timeoutMs: 3000, maxDigits: 20 } }).dtmf,
      (digits, reason) => {
        this.log.info({ pii: { digits }, reason }, 'dtmf input');
        this.publish('control', { type: 'control.dtmf-input', digits, reason });
      },
      this.clock,
    );
    this.dtmf.press(frame.digit);
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
    this.publishAudio(this.audioInSubject, pcm, {
      [AudioHeader.seq]: this.audioInSeq++,
      [AudioHeader.timelineMs]: Math.round(timelineMs * 1000) / 1000,
      [AudioHeader.sampleRate]: this.call.sampleRate,
    });
  }

  private publishAudio(subject: string, pcm: Uint8Array, headers: Partial<Record<AudioHeaderName, number>>): void {
    const batch = this.deps.publishBatch;
    if (batch) batch.defer(() => this.deps.bus.publishAudio(subject, pcm, headers));
    else this.deps.bus.publishAudio(subject, pcm, headers);
  }

  private get audioSentSubject(): string {
    return (this.audioSentSubjectCache ??= subjects.audioSent(this.startedCallId!));
  }
  private audioSentSubjectCache: string | undefined;

  private get audioInSubject(): string {
    return (this.audioInSubjectCache ??= subjects.audioIn(this.startedCallId!));
  }
  private audioInSubjectCache: string | undefined;

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
        media: (pcm, ref, info) => this.sendMedia(pcm, ref, info.playAt, info.lateByMs),
        mark: (name) => this.send(markMessage(this.streamSid, name)),
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

  private sendMedia(pcm: Buffer, ref: SegmentRef, playAt: number, lateByMs: number): void {
    this.send(mediaMessage(this.streamSid, pcm));
    this.deps.metrics.observeChunk(lateByMs);
    if (ref.turn === APOLOGY_TURN) return;
    const call = this.call;
    if (!call) return;
    this.publishAudio(this.audioSentSubject, pcm, {
      [AudioHeader.turn]: ref.turn,
      [AudioHeader.segment]: ref.segment,
      [AudioHeader.seq]: this.audioSentSeq++,
      [AudioHeader.timelineMs]: Math.round((playAt - this.t0) * 1000) / 1000,
      [AudioHeader.sampleRate]: call.sampleRate,
    });
    if (!this.startedTurns.has(ref.turn)) {
      this.startedTurns.add(ref.turn);
      const now = this.timelineMs();
      const ttsProviderMs = this.ttsProviderMs.get(ref.turn);
      this.publish('playback', { type: 'playback.started', turn: ref.turn, firstAudioInMs: this.firstAudioIn.get(ref.turn) ?? now, ...(ttsProviderMs !== undefined ? { ttsProviderMs } : {}) });
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
    this.send(clearMessage(this.streamSid));
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
    this.afterHeard(afterTurn, reason, (timedOut) => this.end(reason, detail || (timedOut ? 'hang-up timeout' : ''), CLOSE.normal, reason));
  }

  /**
   * The agent hands the caller to a human: once the goodbye was heard, the decision goes to KV
   * `transfers` (Exotel's Connect applet asks for it right after the socket closes), then the
   * socket closes. Only the agent's configured `tools.transferNumber` is ever dialled: a model
   * cannot be talked into calling anywhere else. With no number configured the call just ends.
   */
  private transfer(to: string, afterTurn: number | null, reason: string): void {
    const configured = this.call?.agent.tools.transferNumber ? toE164(this.call.agent.tools.transferNumber) : undefined;
    if (!configured) {
      this.log.warn({ pii: { to } }, 'transfer requested but the agent has no transfer number; hanging up instead');
      this.publish('error', { type: 'error', stage: 'gateway', code: ErrorCode.badInput, message: 'transfer requested but the agent has no transfer number', retryable: false, turn: afterTurn });
      this.hangup(afterTurn, 'agent-hangup', 'transfer refused: no transfer number');
      return;
    }
    if (toE164(to) !== configured) this.log.warn({ pii: { requested: to, configured } }, "transfer to another number than the agent's; dialling the agent's");
    this.afterHeard(afterTurn, 'transfer', (timedOut) => {
      const call = this.call!;
      const decision: TransferDecision = { callId: call.callId, callSid: call.callSid, to: configured, reason, decidedAt: Date.now() };
      const saved = withTimeout(this.deps.saveTransfer(decision), TRANSFER_SAVE_TIMEOUT_MS);
      saved
        .then(
          () => this.log.info({ pii: { to: configured }, reason }, 'transfer stored'),
          (err: unknown) => this.log.error({ err }, 'could not store the transfer decision'),
        )
        .finally(() => this.end('transfer', reason || (timedOut ? 'hang-up timeout' : ''), CLOSE.normal, 'transfer'))
        .catch((err: unknown) => this.log.error({ err }, 'ending a transfer failed'));
    });
  }

  /** Runs `then` once `afterTurn` (or everything) has been heard and audio went quiet, or at the timeout. */
  private afterHeard(afterTurn: number | null, what: string, then: (timedOut: boolean) => void): void {
    if (this.hangupTimer || this.hangupDone || this.state === 'ended') return;
    const deadline = this.clock.now() + this.deps.settings.hangupTimeoutMs;
    this.log.info({ afterTurn, what }, 'ending after the agent is heard');
    const check = () => {
      if (this.state === 'ended' || this.hangupDone) return;
      const now = this.clock.now();
      const turnDone =
        afterTurn === null ||
        this.interruptedTurns.has(afterTurn) ||
        (this.startedTurns.has(afterTurn) &&
          (this.playout?.marks.outstandingForTurn(afterTurn) ?? 0) === 0 &&
          (this.playout?.marks.heard(afterTurn).length ?? 0) >= (this.replySegments.get(afterTurn) ?? 0));
      const quiet = !(this.playout?.isPlaying() ?? false) && now - this.lastAgentAudioAt >= HANGUP_QUIET_MS;
      if ((turnDone && quiet) || now >= deadline) {
        clearInterval(this.hangupTimer);
        this.hangupTimer = undefined;
        this.hangupDone = true;
        then(now >= deadline && !(turnDone && quiet));
      }
    };
    this.hangupTimer = setInterval(check, 50);
    // Not at once: events published before the hang-up (the turn's reply.done) arrive on other
    // subscriptions and are handled first.
    setImmediate(check);
  }
  private hangupDone = false;

  /**
   * No stage could take the call: the caller hears the pre-recorded apology (when there is one),
   * then the call ends cleanly with reason `no-capacity`.
   */
  private apologise(detail: string): void {
    const pcm = this.deps.noCapacityAudio?.get(this.callRate());
    if (!pcm || !this.playout) {
      this.end('no-capacity', detail, CLOSE.normal, 'no capacity');
      return;
    }
    this.state = 'live';
    this.playout.audio(APOLOGY_TURN, 0, pcm, true);
    this.lastAgentAudioAt = this.clock.now();
    this.startedTurns.add(APOLOGY_TURN);
    this.afterHeard(APOLOGY_TURN, 'no-capacity', () => this.end('no-capacity', detail, CLOSE.normal, 'no capacity'));
  }

  private callRate(): SampleRate {
    return this.call?.sampleRate ?? 8000;
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private send(message: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(message);
  }

  private publish<F extends EventFamily>(family: F, event: Outgoing<F>): void {
    if (this.startedCallId === undefined) return;
    try {
      const full = { ...(event as object), v: PROTOCOL_VERSION, callId: this.startedCallId, timelineMs: Math.round(this.timelineMs()) };
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
    const wasStarted = this.startedCallId !== undefined;
    this.state = 'ended';
    clearTimeout(this.startTimer);
    clearInterval(this.hangupTimer);
    this.playout?.stop();
    this.dtmf?.stop();
    this.failover?.stop();
    for (const sub of this.subscriptions) sub.unsubscribe();
    if (wasStarted) {
      // Audio of this call still batched goes out before call.ended.
      this.deps.publishBatch?.flush();
      this.publish('lifecycle', {
        type: 'call.ended',
        reason,
        detail,
        durationMs: Math.round(this.timelineMs()),
        lostFrames: this.sequence.lost,
        reorderedFrames: this.sequence.reordered,
      });
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

  /** A drain deadline passed or the gateway is stopping: ends the call, closing with 1001. */
  shutdown(): void {
    this.end('shutdown', 'gateway drain deadline', CLOSE.goingAway, 'shutdown');
  }

  /** Forcibly drops the socket (after a drain's grace period). */
  terminate(): void {
    this.ws.terminate();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
