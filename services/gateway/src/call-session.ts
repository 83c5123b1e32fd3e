/**
 * One Exotel WebSocket: the call's state machine (`call/call-state.ts`) from `start` to
 * `call.ended`, run here alone. The session routes what comes in — Exotel frames, the call's
 * events on NATS — to the part that owns each piece of the call:
 *
 * - `ExotelInbound`: messages into frames (rate limit, tolerant parsing, sequence numbers);
 * - `CallBus`: the call's side of NATS (events, audio held through outages, subscriptions);
 * - `CallerAudioIn`: caller audio onto `audio.in`;
 * - `AgentSpeech`: the agent's speech to the caller (audio in; media, marks, clear, playback
 *   events out; barge-in);
 * - `CallEnding`: hang-up, transfer and the no-capacity apology, once the agent was heard;
 * - `DtmfInput`, `CallFailover` (re-claims a lost stage).
 *
 * Nothing a caller sends can throw out of this class or affect another call.
 */
import type { WebSocket } from 'ws';
import {
  ErrorCode,
  subjects,
  toCallId,
  type CallDescriptor,
  type ControlEvent,
  type EndReason,
  type SampleRate,
  type SpeechEvent,
} from '@audexly/protocol';
import type { ClaimResult } from '@audexly/bus';
import { callLogBindings, tracingEnabled, type Logger } from '@audexly/telemetry';
import { AgentSpeech } from './call/agent-speech.js';
import { CallBus } from './call/call-bus.js';
import { CallSpans } from './call/call-spans.js';
import { observeTurnLatency } from './call/turn-latency.js';
import { describeCall } from './call/call-descriptor.js';
import { CallEnding } from './call/call-ending.js';
import { CallState } from './call/call-state.js';
import { CallTimeline } from './call/call-timeline.js';
import { CallerAudioIn } from './call/caller-audio-in.js';
import { DtmfInput } from './call/dtmf-input.js';
import { ExotelInbound } from './call/exotel-inbound.js';
import { ExotelSocket } from './call/exotel-socket.js';
import { CallFailover } from './call/stage-failover.js';
import { publishCallEnded } from './call/call-ended.js';
import { claimAll } from './claims.js';
import { chooseSampleRate, type ExotelFrame, type StartFrame } from './exotel/protocol.js';
import { systemClock } from './pacer.js';
import { CLOSE } from './close-codes.js';
import type { SessionDeps } from './session-deps.js';
import { APOLOGY_TURN } from './call/turn-ledger.js';

export { CLOSE } from './close-codes.js';
export type { SessionDeps, SessionSettings } from './session-deps.js';

/** What exists once `start` was accepted. */
interface StartedCall {
  callId: string;
  streamSid: string;
  sampleRate: SampleRate;
  timeline: CallTimeline;
  bus: CallBus;
  caller: CallerAudioIn;
  dtmf: DtmfInput;
  /** The call's `call` and `turn` spans (only when tracing is on). */
  spans: CallSpans | undefined;
}

/** What exists once the agent is known (the descriptor built), before the stages are claimed. */
interface AgentParts {
  descriptor: CallDescriptor;
  speech: AgentSpeech;
  ending: CallEnding;
  failover: CallFailover | undefined;
}

export class CallSession {
  /** Resolves when the session has ended (call.ended published, socket closing). */
  readonly done: Promise<void>;
  private readonly state = new CallState();
  private readonly socket: ExotelSocket;
  private readonly inbound: ExotelInbound;
  private log: Logger;
  private started: StartedCall | undefined;
  private agent: AgentParts | undefined;
  private readonly startTimer: NodeJS.Timeout;
  private resolveDone!: () => void;

  constructor(
    ws: WebSocket,
    private readonly deps: SessionDeps<CallSession>,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.log = deps.log;
    this.socket = new ExotelSocket(ws);
    this.inbound = new ExotelInbound({
      metrics: deps.metrics,
      log: deps.log,
      clock: deps.clock ?? systemClock,
      maxMessagesPerS: deps.settings.maxMessagesPerS,
      onFrame: (frame) => this.onFrame(frame),
      onFlood: () => this.end('error', 'message rate limit', CLOSE.policy, 'message rate limit'),
    });
    ws.on('message', (data, isBinary) => this.inbound.message(data, isBinary));
    ws.on('close', (code, reason) =>
      this.end('socket-closed', `close ${code}${reason.length > 0 ? ` ${reason.toString().slice(0, 60)}` : ''}`),
    );
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        // ws closes the socket with 1009 itself.
        deps.metrics.limitCloses.inc({ limit: 'frame-size' });
        this.log.warn({ limit: 'frame-size', closeCode: CLOSE.tooBig }, 'closing: frame larger than MAX_FRAME_BYTES');
        this.end('error', 'frame too large', CLOSE.tooBig, 'frame too large');
        return;
      }
      this.log.warn({ err }, 'Exotel socket error');
    });
    this.startTimer = setTimeout(() => {
      if (this.state.is('connecting')) this.end('socket-closed', 'no start event', CLOSE.policy, 'no start');
    }, deps.settings.startTimeoutMs);
  }

  get callId(): string | undefined {
    return this.started?.callId;
  }

  get ended(): boolean {
    return this.state.is('ended');
  }

  /** Ms since the gateway accepted `start` (0 before). */
  timelineMs(): number {
    return this.started?.timeline.ms() ?? 0;
  }

  /** Closes a connection the gateway cannot take (over MAX_CALLS): 1013, try again later. */
  refuse(reason: string, code: number = CLOSE.tryAgainLater): void {
    this.end('no-capacity', reason, code, reason);
  }

  /** A drain deadline passed or the gateway is stopping: ends the call, closing with 1001. */
  shutdown(): void {
    this.end('shutdown', 'gateway drain deadline', CLOSE.goingAway, 'shutdown');
  }

  /** Forcibly drops the socket (after a drain's grace period). */
  terminate(): void {
    this.socket.terminate();
  }

  // ---- Exotel frames --------------------------------------------------------------------------

  private onFrame(frame: ExotelFrame): void {
    if (frame.event === 'connected' || this.state.is('ended')) return;
    const started = this.started;
    if (frame.event !== 'start' && started && frame.streamSid !== null && frame.streamSid !== started.streamSid) {
      this.inbound.reject('foreign-stream', 'frame of another stream_sid', frame.event);
      return;
    }
    this.inbound.countSequence(frame.sequenceNumber);
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
        if (!started) this.inbound.reject('media-before-start', 'media before start', 'media');
        else started.caller.push(frame.pcm);
        return;
      case 'dtmf':
        started?.dtmf.press(frame);
        return;
      case 'mark':
        this.agent?.speech.markEchoed(frame.name);
        return;
      case 'stop':
        this.end(frame.reason === 'stopped' ? 'stopped' : 'caller-hangup', frame.reason, CLOSE.normal, 'stop');
        return;
      case 'unknown':
        this.deps.metrics.unknownEvents.inc();
        this.log.debug({ event: frame.name.slice(0, 40) }, 'ignored an unknown Exotel event');
        return;
    }
  }

  /** An accepted `start`: the call exists from here (caller audio held until its stages are claimed). */
  private onStart(frame: StartFrame): void {
    const { deps } = this;
    if (!this.state.is('connecting')) {
      this.log.warn('ignored a second start event');
      return;
    }
    const callId = toCallId(frame.callSid);
    if (deps.tokenCallSid !== null && deps.tokenCallSid !== frame.callSid) {
      deps.metrics.limitCloses.inc({ limit: 'call-token' });
      this.log.warn({ callId, closeCode: CLOSE.policy }, 'closing: the stream token belongs to another call');
      this.end('error', 'stream token of another call', CLOSE.policy, 'token mismatch');
      return;
    }
    if (!deps.register(callId, this)) {
      deps.metrics.limitCloses.inc({ limit: 'duplicate-call' });
      this.log.warn({ callId, closeCode: CLOSE.policy }, 'closing: a live call already has this call_sid');
      this.end('error', 'duplicate call_sid', CLOSE.policy, 'duplicate call');
      return;
    }
    clearTimeout(this.startTimer);
    const timeline = new CallTimeline(deps.clock ?? systemClock);
    const rate = chooseSampleRate(deps.urlSampleRate, frame.sampleRate);
    this.log = deps.log.child(callLogBindings(callId));
    this.inbound.useLog(this.log);
    const spans = tracingEnabled() ? new CallSpans(callId, timeline.startedAt, frame.streamSid) : undefined;
    if (rate.warning)
      this.log.warn({ sampleRate: rate.sampleRate, source: rate.source }, `sample rate: ${rate.warning}`);
    this.state.move('claiming');
    deps.metrics.activeCalls.inc();
    this.log.info(
      {
        pii: { from: frame.from, to: frame.to, customParameters: frame.customParameters },
        sampleRate: rate.sampleRate,
        rateSource: rate.source,
        streamSid: frame.streamSid,
        accountSid: frame.accountSid,
      },
      'call start',
    );
    const bus = new CallBus({
      bus: deps.bus,
      callId,
      timeline,
      log: this.log,
      publishBatch: deps.publishBatch,
      natsLink: deps.natsLink,
      stageWatch: deps.stageWatch,
      sampleRate: rate.sampleRate,
      audioHoldMs: deps.settings.audioHoldMs,
      observe: (event) => {
        observeTurnLatency(deps.metrics, event);
        spans?.event(event);
      },
    });
    bus.answerStatus(() => (this.state.is('claiming') ? 'claiming' : 'live'));
    this.started = {
      callId,
      streamSid: frame.streamSid,
      sampleRate: rate.sampleRate,
      timeline,
      bus,
      caller: new CallerAudioIn(bus, rate.sampleRate, deps.settings.prestartBufferMs, this.log),
      dtmf: new DtmfInput(bus, timeline.clock, this.log),
      spans,
    };
    this.begin(frame, this.started).catch((err: unknown) => {
      this.log.error({ err }, 'starting the call failed');
      this.end('error', 'could not start the call', CLOSE.error, 'internal error');
    });
  }

  /** Picks the agent by the dialled number, then claims every stage; the call goes live, or apologises. */
  private async begin(frame: StartFrame, call: StartedCall): Promise<void> {
    const { deps } = this;
    const { agent, source } = await deps.agentFor(frame.to);
    if (this.state.is('ended')) return;
    const descriptor = describeCall(
      frame,
      {
        callId: call.callId,
        sampleRate: call.sampleRate,
        startedAt: call.timeline.startedAt,
        direction: deps.direction ?? 'inbound',
      },
      agent,
    );
    if (agent.sampleRate !== call.sampleRate)
      this.log.info(
        { agentRate: agent.sampleRate, callRate: call.sampleRate },
        "call rate differs from the agent's; the call's rate wins",
      );
    this.log.info({ agentId: agent.id, agentSource: source }, 'agent chosen');
    call.spans?.agentChosen(agent.id, descriptor.agent.language, descriptor.direction);
    this.agent = this.agentParts(call, descriptor);
    call.dtmf.useAgentSettings(descriptor.agent.dtmf);
    this.listen(call, this.agent);

    const began = call.timeline.clock.now();
    let outcome: Awaited<ReturnType<typeof claimAll>>;
    try {
      await deps.bus.flush();
      outcome = await claimAll(deps.claim, descriptor);
    } catch (err) {
      this.log.error({ err }, 'claiming stages failed');
      outcome = { ok: false, failed: [], results: [] };
    }
    deps.metrics.claimMs.observe(call.timeline.clock.now() - began);
    if (this.state.is('ended')) return; // the socket went away meanwhile; call.ended is out
    if (!outcome.ok) {
      const detail = outcome.failed.map((f) => `${f.stage}: ${f.reason}`).join(', ') || 'claim failed';
      this.log.warn({ failed: outcome.failed }, 'no capacity for the call');
      for (const f of outcome.failed) deps.metrics.claimsRefused.inc({ stage: f.stage });
      call.bus.publish('error', {
        type: 'error',
        stage: 'gateway',
        code: ErrorCode.noCapacity,
        message: `no capacity: ${detail}`,
        retryable: true,
        turn: null,
      });
      this.apologise(detail);
      return;
    }
    call.bus.publish('lifecycle', { type: 'call.started', call: descriptor });
    this.state.move('live');
    this.agent.failover = this.watchStages(call, this.agent, outcome.results);
    this.log.info(
      {
        claimMs: Math.round(call.timeline.clock.now() - began),
        instances: outcome.results.map((r) => (r.ok ? `${r.stage}:${r.instanceId}` : r.stage)),
      },
      'call started',
    );
    call.caller.goLive();
  }

  private agentParts(call: StartedCall, descriptor: CallDescriptor): AgentParts {
    const { settings, metrics } = this.deps;
    const speech = new AgentSpeech({
      socket: this.socket,
      bus: call.bus,
      timeline: call.timeline,
      log: this.log,
      metrics,
      streamSid: call.streamSid,
      sampleRate: call.sampleRate,
      chunk: { targetMs: settings.chunkMs, minMs: settings.chunkMinMs, maxMs: settings.chunkMaxMs },
      leadMs: settings.leadMs,
      // Off for the whole gateway (BARGE_IN=false) or for this call's agent (turn.bargeIn=false).
      bargeIn: settings.bargeIn && descriptor.agent.turn.bargeIn,
      bargeInMode: descriptor.agent.turn.bargeInMode,
      bargeInDecisionMs: descriptor.agent.turn.bargeInDecisionMs,
      resumeFrom: descriptor.agent.turn.resumeFrom,
    });
    const ending = new CallEnding({
      speech,
      bus: call.bus,
      end: (reason, detail, closeCode, closeReason) => this.end(reason, detail, closeCode, closeReason),
      saveTransfer: (decision) => this.deps.saveTransfer(decision),
      clock: call.timeline.clock,
      log: this.log,
      hangupTimeoutMs: settings.hangupTimeoutMs,
    });
    return { descriptor, speech, ending, failover: undefined };
  }

  /** The call's subjects, before its stages are claimed (they may publish as soon as it starts). */
  private listen(call: StartedCall, agent: AgentParts): void {
    call.bus.onAudio(subjects.audioOut(call.callId), (msg) => agent.speech.receive(msg));
    call.bus.onEvents('control', (event) => {
      if (event.type === 'control.audio-resend') {
        // The STT saw caller frames missing (lost in flight with a NATS server): send them again.
        const sent = call.bus.resendAudio(subjects.audioIn(call.callId), event.fromSeq, event.toSeq);
        this.log.info(
          { callId: call.callId, fromSeq: event.fromSeq, toSeq: event.toSeq, sent },
          'caller audio sent again',
        );
        return;
      }
      this.onControl(event, agent);
    });
    call.bus.onEvents('speech', (event) => this.onSpeech(event, agent));
    // A goodbye can continue a turn the caller has already heard (idle hang-up, an answer to DTMF):
    // the hang-up waits for the segment count `reply.done` announced before `control.hangup`.
    call.bus.onEvents('reply', (event) => {
      if (event.type === 'reply.done') agent.speech.replyDone(event.turn, event.segments);
    });
  }

  private onControl(event: ControlEvent, agent: AgentParts): void {
    switch (event.type) {
      case 'control.interrupt':
        agent.speech.interrupt(event.turn, event.reason, false);
        return;
      case 'control.hangup':
        if (this.state.move('ending')) agent.ending.hangup(event.afterTurn, event.reason);
        return;
      case 'control.transfer':
        if (this.state.move('ending'))
          agent.ending.transfer(agent.descriptor.agent, agent.descriptor, event.to, event.afterTurn, event.reason);
        return;
      case 'control.released':
        // A stage instance gave the call up at its drain deadline: re-claim it at once.
        agent.failover?.released(event.stage, event.instanceId);
        return;
      case 'control.dtmf':
      case 'control.dtmf-input':
      case 'control.reassigned':
      case 'control.audio-resend':
        return;
    }
  }

  private onSpeech(event: SpeechEvent, agent: AgentParts): void {
    if (event.type === 'speech.started') {
      if (this.state.is('live', 'ending')) agent.speech.callerStartedSpeaking(event.utterance);
      return;
    }
    // A tentative transcript (and its voiding) is for the LLM: the caller has not finished.
    if (event.type === 'speech.tentative' || event.type === 'speech.resumed') return;
    agent.speech.callerSpeechEnded(event.utterance, event.speechEndMs);
    if (event.type === 'speech.final')
      agent.speech.callerUtteranceDecided(event.utterance, event.backchannel ? 'backchannel' : 'speech');
    else if (event.type === 'speech.noise') agent.speech.callerUtteranceDecided(event.utterance, 'noise');
  }

  /** Failover for the live call: the instances that answered its claims are watched (without heartbeats, none). */
  private watchStages(call: StartedCall, agent: AgentParts, results: readonly ClaimResult[]): CallFailover | undefined {
    const { deps } = this;
    const watch = deps.stageWatch;
    if (!watch) return undefined;
    const failover = new CallFailover({
      call: agent.descriptor,
      watch,
      claim: deps.claim,
      log: this.log,
      metrics: deps.metrics,
      live: () => this.state.is('live', 'ending'),
      announce: (stage, instanceId, previousInstanceId, lastHeartbeatAt) =>
        call.bus.publish('control', {
          type: 'control.reassigned',
          stage,
          instanceId,
          previousInstanceId,
          lastHeartbeatAt,
        }),
      owns: (stage, instanceId) => {
        agent.speech.trustInstance(instanceId);
        if (stage === 'stt') call.bus.audioHeardBy(instanceId);
      },
      lost: (stage, instanceId) => {
        agent.speech.ignoreInstance(instanceId);
        // Its unfinished segment never gets its closing message: play what came and move on.
        if (stage === 'tts') {
          const ended = agent.speech.endOpenSegments();
          if (ended > 0) this.log.warn({ segments: ended }, 'ended agent segments left open by the lost TTS instance');
        }
      },
      noCapacity: (stage, detail) => {
        call.bus.publish('error', {
          type: 'error',
          stage: 'gateway',
          code: ErrorCode.noCapacity,
          message: `no capacity: ${detail}`,
          retryable: true,
          turn: null,
        });
        this.apologise(detail);
      },
    });
    failover.start(results);
    return failover;
  }

  /**
   * No stage could take the call: the caller hears the pre-recorded apology (when there is one),
   * then the call ends cleanly with reason `no-capacity`.
   */
  private apologise(detail: string): void {
    const pcm = this.started && this.deps.noCapacityAudio?.get(this.started.sampleRate);
    const agent = this.agent;
    if (!pcm || !agent) {
      this.end('no-capacity', detail, CLOSE.normal, 'no capacity');
      return;
    }
    if (!this.state.move('apologising')) return;
    agent.speech.playApology(pcm);
    agent.ending.afterApology(APOLOGY_TURN, detail);
  }

  // ---- ending ---------------------------------------------------------------------------------

  /**
   * Ends the call once: `call.ended` (when `start` was accepted), subscriptions and pacing
   * stopped, the socket closed with `closeCode` (when given and still open).
   */
  private end(reason: EndReason, detail: string, closeCode?: number, closeReason?: string): void {
    if (!this.state.move('ended')) return;
    clearTimeout(this.startTimer);
    this.inbound.stop();
    this.agent?.ending.stop();
    this.agent?.speech.stop();
    this.agent?.failover?.stop();
    const call = this.started;
    if (call) {
      call.dtmf.stop();
      call.bus.stopListening();
      // Audio of this call still held (a NATS outage) or batched goes out before call.ended.
      call.bus.flushAudio();
      this.publishEnded(call, reason, detail);
      call.spans?.end(reason);
      this.deps.metrics.activeCalls.dec();
      this.deps.metrics.callsEnded.inc({ reason });
      const { lostFrames, sequenceAnomalies, malformedFrames } = this.inbound.counts();
      this.log.info(
        {
          reason,
          detail,
          durationMs: Math.round(call.timeline.ms()),
          lostFrames,
          sequenceAnomalies,
          malformed: malformedFrames,
        },
        'call ended',
      );
      call.bus.close();
    }
    if (closeCode !== undefined) this.socket.close(closeCode, closeReason);
    this.resolveDone();
    this.deps.onEnd(this);
  }

  /** `call.ended`, whatever the counts say: the stages must learn that the call ended. */
  private publishEnded(call: StartedCall, reason: EndReason, detail: string): void {
    const { lostFrames, reorderedFrames, sequenceAnomalies } = this.inbound.counts();
    publishCallEnded(
      {
        publish: (event) => call.bus.publishOrThrow('lifecycle', event),
        reportError: (message) =>
          call.bus.publish('error', {
            type: 'error',
            stage: 'gateway',
            code: ErrorCode.internal,
            message,
            retryable: false,
            turn: null,
          }),
        log: this.log,
      },
      {
        type: 'call.ended',
        reason,
        detail,
        durationMs: Math.round(call.timeline.ms()),
        lostFrames,
        reorderedFrames,
        sequenceAnomalies,
        audioGapMs: this.callerAudioGapMs(call),
      },
    );
  }

  /** Caller audio lost to a NATS outage longer than the hold; reported in the event log once, at the end. */
  private callerAudioGapMs(call: StartedCall): number {
    const gapMs = call.caller.gapMs;
    if (gapMs > 0) {
      this.log.warn({ audioGapMs: gapMs }, 'caller audio lost in a NATS outage longer than AUDIO_HOLD_MS');
      const message = `${gapMs} ms of caller audio lost: a NATS outage outlasted the ${this.deps.settings.audioHoldMs} ms the gateway holds`;
      call.bus.publish('error', {
        type: 'error',
        stage: 'gateway',
        code: ErrorCode.audioGap,
        message,
        retryable: false,
        turn: null,
      });
    }
    return gapMs;
  }
}
