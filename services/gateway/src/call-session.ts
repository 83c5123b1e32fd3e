/**
 * One Exotel WebSocket: the call's lifecycle from `start` to `call.ended`. Frames from Exotel are
 * parsed tolerantly; caller audio goes to `audio.in`; agent audio from `audio.out` is re-chunked,
 * paced and sent back with marks; control and speech events drive interruptions and hang-ups.
 * Nothing a caller sends can throw out of this class or affect another call.
 *
 * The concerns live in their own modules, sharing one {@link CallContext}: frame intake
 * (`exotel-inbound`), starting and claiming (`call-start`), caller audio (`caller-stream`), agent
 * audio (`agent-audio-intake`, `agent-playback`, `turn-ledger`), `barge-in`, `hangup`, `dtmf-input`
 * and failover (`watch-stages`).
 */
import type { WebSocket } from 'ws';
import { subjects, toCallId, type EndReason } from '@audexly/protocol';
import { AgentAudioIntake } from './agent-audio-intake.js';
import { AgentPlayback } from './agent-playback.js';
import { BargeIn } from './barge-in.js';
import { CallContext } from './call-context.js';
import type { CallFailover } from './call-failover.js';
import { beginCall } from './call-start.js';
import { CallerStream } from './caller-stream.js';
import { DtmfInput } from './dtmf-input.js';
import { chooseSampleRate, type ExotelFrame, type StartFrame, type StopFrame } from './exotel/protocol.js';
import { ExotelInbound } from './exotel-inbound.js';
import { Hangup } from './hangup.js';
import { CLOSE, type SessionDeps } from './session-deps.js';
import { TurnLedger } from './turn-ledger.js';
import { watchStages } from './watch-stages.js';

export { CLOSE, type SessionDeps, type SessionSettings } from './session-deps.js';

export class CallSession {
  /** Resolves when the session has ended (call.ended published, socket closing). */
  readonly done: Promise<void>;
  private readonly ctx: CallContext;
  private readonly inbound: ExotelInbound;
  private readonly caller: CallerStream;
  private readonly turns = new TurnLedger();
  private readonly playback: AgentPlayback;
  private readonly bargeIn: BargeIn;
  private readonly hangups: Hangup;
  private readonly dtmf: DtmfInput;
  private failover: CallFailover | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private resolveDone!: () => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    const ctx = (this.ctx = new CallContext(ws, deps, (reason, detail, closeCode, closeReason) => this.end(reason, detail, closeCode, closeReason)));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.inbound = new ExotelInbound(ctx, (frame) => this.onFrame(frame));
    this.caller = new CallerStream(ctx);
    this.playback = new AgentPlayback(ctx, this.turns);
    this.bargeIn = new BargeIn(ctx, this.turns);
    this.hangups = new Hangup(ctx, this.turns);
    this.dtmf = new DtmfInput(ctx);
    ws.on('message', (data, isBinary) => this.inbound.message(data, isBinary));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        // ws closes the socket with 1009 itself.
        this.deps.metrics.limitCloses.inc({ limit: 'frame-size' });
        this.ctx.log.warn({ limit: 'frame-size', closeCode: CLOSE.tooBig }, 'closing: frame larger than MAX_FRAME_BYTES');
        this.end('error', 'frame too large', CLOSE.tooBig, 'frame too large');
        return;
      }
      this.ctx.log.warn({ err }, 'Exotel socket error');
    });
    this.startTimer = setTimeout(() => {
      if (this.ctx.state === 'connecting') this.end('socket-closed', 'no start event', CLOSE.policy, 'no start');
    }, deps.settings.startTimeoutMs);
  }

  get callId(): string | undefined {
    return this.ctx.callId;
  }

  /** Closes a connection the gateway cannot take (over MAX_CALLS): 1013, try again later. */
  refuse(reason: string, code: number = CLOSE.tryAgainLater): void {
    this.end('no-capacity', reason, code, reason);
  }

  get ended(): boolean {
    return this.ctx.state === 'ended';
  }

  /** Ms since the gateway accepted `start`. */
  timelineMs(): number {
    return this.ctx.timelineMs();
  }

  // ---- inbound frames -------------------------------------------------------------------------

  private onFrame(frame: ExotelFrame): void {
    const { ctx } = this;
    this.deps.metrics.framesIn.inc({ event: frame.event });
    if (frame.event === 'connected') return;
    if (ctx.state === 'ended') return;
    if (frame.event !== 'start' && ctx.callId !== undefined && frame.streamSid !== null && frame.streamSid !== ctx.streamSid) {
      this.inbound.reject('foreign-stream', 'frame of another stream_sid', frame.event);
      return;
    }
    this.caller.observe(frame.sequenceNumber);
    switch (frame.event) {
      case 'start':
        try {
          this.onStart(frame);
        } catch (err) {
          ctx.log.error({ err }, 'could not start the call');
          this.end('error', 'invalid start', CLOSE.error, 'invalid start');
        }
        return;
      case 'media':
        if (!this.caller.started) {
          this.inbound.reject('media-before-start', 'media before start', 'media');
          return;
        }
        this.caller.push(frame.pcm);
        return;
      case 'dtmf':
        this.dtmf.press(frame);
        return;
      case 'mark':
        this.playback.markEchoed(frame);
        return;
      case 'stop':
        this.onStop(frame);
        return;
      case 'unknown':
        this.deps.metrics.unknownEvents.inc();
        ctx.log.debug({ event: frame.name.slice(0, 40) }, 'ignored an unknown Exotel event');
        return;
    }
  }

  private onStart(frame: StartFrame): void {
    const { ctx } = this;
    if (ctx.state !== 'connecting') {
      ctx.log.warn('ignored a second start event');
      return;
    }
    const callId = toCallId(frame.callSid);
    if (this.deps.tokenCallSid !== null && this.deps.tokenCallSid !== frame.callSid) {
      this.deps.metrics.limitCloses.inc({ limit: 'call-token' });
      ctx.log.warn({ callId, closeCode: CLOSE.policy }, 'closing: the stream token belongs to another call');
      this.end('error', 'stream token of another call', CLOSE.policy, 'token mismatch');
      return;
    }
    if (!this.deps.register(callId, this)) {
      this.deps.metrics.limitCloses.inc({ limit: 'duplicate-call' });
      ctx.log.warn({ callId, closeCode: CLOSE.policy }, 'closing: a live call already has this call_sid');
      this.end('error', 'duplicate call_sid', CLOSE.policy, 'duplicate call');
      return;
    }
    clearTimeout(this.startTimer);
    ctx.t0 = ctx.clock.now();
    const startedAt = Date.now();
    const rate = chooseSampleRate(this.deps.urlSampleRate, frame.sampleRate);
    ctx.callId = callId;
    ctx.streamSid = frame.streamSid;
    ctx.log = this.deps.log.child({ callId });
    if (rate.warning) ctx.log.warn({ sampleRate: rate.sampleRate, source: rate.source }, `sample rate: ${rate.warning}`);
    ctx.state = 'claiming';
    this.deps.metrics.activeCalls.inc();
    ctx.log.info(
      { pii: { from: frame.from, to: frame.to, customParameters: frame.customParameters }, sampleRate: rate.sampleRate, rateSource: rate.source, streamSid: frame.streamSid, accountSid: frame.accountSid },
      'call start',
    );
    const sampleRate = rate.sampleRate;
    this.caller.start(sampleRate);
    ctx.playout = this.playback.createPlayout(sampleRate);
    const agentAudio = new AgentAudioIntake(ctx, this.turns, sampleRate, () => this.failover);
    // Subscribe before claiming: stages may publish as soon as call.started is out.
    ctx.consume(this.deps.bus.subscribeAudio(subjects.audioOut(callId)), (msg) => agentAudio.receive(msg));
    ctx.consume(this.deps.bus.subscribeEvents(callId, 'control'), ({ event }) => {
      switch (event.type) {
        case 'control.interrupt':
          this.bargeIn.interrupt(event.turn, event.reason, false);
          return;
        case 'control.hangup':
          this.hangups.hangup(event.afterTurn, 'agent-hangup', event.reason);
          return;
        case 'control.transfer':
          this.hangups.transfer(event.to, event.afterTurn, event.reason);
          return;
        case 'control.dtmf':
        case 'control.dtmf-input':
        case 'control.reassigned':
          return;
      }
    });
    ctx.consume(this.deps.bus.subscribeEvents(callId, 'speech'), ({ event }) => {
      if (event.type === 'speech.started') this.bargeIn.callerSpeech(event.utterance);
      else this.turns.speechEndMs.set(event.utterance, event.speechEndMs);
    });
    // A goodbye can continue a turn the caller has already heard (idle hang-up, an answer to DTMF):
    // the hang-up waits for the segment count `reply.done` announced before `control.hangup`.
    ctx.consume(this.deps.bus.subscribeEvents(callId, 'reply'), ({ event }) => {
      if (event.type === 'reply.done') this.turns.segmentsAnnounced(event.turn, event.segments);
    });
    beginCall(ctx, frame, sampleRate, startedAt, {
      apologise: (detail) => this.hangups.apologise(detail),
      watchStages: (call, results) => {
        this.failover = watchStages(ctx, call, results, (detail) => this.hangups.apologise(detail));
      },
      goLive: () => this.caller.goLive(),
    }).catch((err: unknown) => {
      ctx.log.error({ err }, 'starting the call failed');
      this.end('error', 'could not start the call', CLOSE.error, 'internal error');
    });
  }

  private onStop(frame: StopFrame): void {
    const reason: EndReason = frame.reason === 'stopped' ? 'stopped' : 'caller-hangup';
    this.end(reason, frame.reason, CLOSE.normal, 'stop');
  }

  private onClose(code: number, reason: string): void {
    if (this.ctx.state === 'ended') return;
    this.end('socket-closed', `close ${code}${reason ? ` ${reason.slice(0, 60)}` : ''}`);
  }

  // ---- ending ---------------------------------------------------------------------------------

  /**
   * Ends the call once: `call.ended` (when `start` was accepted), subscriptions and pacing
   * stopped, the socket closed with `closeCode` (when given and still open).
   */
  end(reason: EndReason, detail: string, closeCode?: number, closeReason?: string): void {
    const { ctx } = this;
    if (ctx.state === 'ended') return;
    const wasStarted = ctx.callId !== undefined;
    ctx.state = 'ended';
    clearTimeout(this.startTimer);
    this.hangups.stop();
    ctx.playout?.stop();
    this.dtmf.stop();
    this.failover?.stop();
    ctx.unsubscribeAll();
    if (wasStarted) {
      // Audio of this call still batched goes out before call.ended.
      this.deps.publishBatch?.flush();
      ctx.publish('lifecycle', {
        type: 'call.ended',
        reason,
        detail,
        durationMs: Math.round(ctx.timelineMs()),
        lostFrames: this.caller.lostFrames,
        reorderedFrames: this.caller.reorderedFrames,
      });
      this.deps.metrics.activeCalls.dec();
      this.deps.metrics.callsEnded.inc({ reason });
      ctx.log.info({ reason, detail, durationMs: Math.round(ctx.timelineMs()), lostFrames: this.caller.lostFrames, malformed: this.inbound.malformed }, 'call ended');
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
