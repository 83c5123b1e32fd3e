/**
 * The agent's speech to the caller, owned in one place: TTS audio (`audio.out`) in; paced Exotel
 * `media`, `mark`s and `clear` out; and what the caller heard reported (`audio.sent`,
 * `playback.started`, `playback.segment-played`, `playback.interrupted`). It decides barge-in, and
 * answers whether a turn has been heard and whether the agent went quiet (for hang-ups).
 */
import { AudioHeader, subjects, type SampleRate } from '@audexly/protocol';
import type { AudioMessage } from '@audexly/bus';
import { traceExemplar, type Logger } from '@audexly/telemetry';
import { clearMessage, markMessage, mediaMessage } from '../exotel/protocol.js';
import type { GatewayMetrics } from '../metrics.js';
import { AgentPlayout, type ChunkInfo, type SegmentRef } from '../playout.js';
import { APOLOGY_TURN, TurnLedger } from './turn-ledger.js';
import { BargeInPause, type UtteranceVerdict } from './barge-in-pause.js';
import type { CallBus } from './call-bus.js';
import type { CallTimeline } from './call-timeline.js';
import type { ExotelSocket } from './exotel-socket.js';

export interface AgentSpeechOptions {
  socket: ExotelSocket;
  bus: CallBus;
  timeline: CallTimeline;
  log: Logger;
  metrics: Pick<GatewayMetrics, 'observeChunk' | 'voiceToVoiceMs'>;
  streamSid: string;
  sampleRate: SampleRate;
  chunk: { targetMs: number; minMs: number; maxMs: number };
  leadMs: number;
  /** Caller speech over the agent interrupts it (the gateway's and the agent's setting together). */
  bargeIn: boolean;
  /**
   * `clear` (default): at the caller's speech onset. `pause`: the agent pauses at the onset and the
   * utterance's transcript decides ({@link BargeInPause}), within `bargeInDecisionMs` (default 1500).
   */
  bargeInMode?: 'clear' | 'pause';
  bargeInDecisionMs?: number;
  /** `pause` mode: a resumed agent plays on where it paused (default), or from its sentence's start. */
  resumeFrom?: 'pause' | 'sentence';
}

export class AgentSpeech {
  private readonly playout: AgentPlayout;
  private readonly turns = new TurnLedger();
  /** Instances that lost the call: their audio is not played. */
  private readonly retired = new Set<string>();
  private readonly audioSentSubject: string;
  private audioSentSeq = 0;
  private sampleRateWarned = false;
  private readonly pause: BargeInPause | null;

  constructor(private readonly options: AgentSpeechOptions) {
    this.audioSentSubject = subjects.audioSent(options.bus.callId);
    this.pause =
      options.bargeInMode === 'pause'
        ? new BargeInPause(
            {
              clock: options.timeline.clock,
              pause: (turn, utterance) => {
                this.playout.pause();
                options.bus.publish('playback', { type: 'playback.paused', turn, utterance });
                options.log.info({ turn, utterance }, 'agent paused: caller speaks over it');
              },
              resume: (turn, utterance, reason, pausedMs) => {
                const restarted = options.resumeFrom === 'sentence' ? this.playout.restartSegment() : null;
                const from = restarted ? 'sentence' : 'pause';
                this.playout.resume();
                options.bus.publish('playback', { type: 'playback.resumed', turn, utterance, reason, pausedMs, from });
                options.log.info(
                  { turn, utterance, reason, pausedMs: Math.round(pausedMs), from, segment: restarted?.segment },
                  'agent resumed',
                );
              },
              interrupt: (turn, utterance) => {
                options.log.info({ turn, utterance }, 'barge-in');
                this.interrupt(turn, 'barge-in', true);
              },
              inProgress: (turn) => this.speaking(turn),
            },
            options.bargeInDecisionMs ?? 1500,
          )
        : null;
    this.playout = new AgentPlayout({
      sampleRate: options.sampleRate,
      chunk: options.chunk,
      leadMs: options.leadMs,
      clock: options.timeline.clock,
      sink: {
        media: (pcm, ref, info) => this.sendMedia(pcm, ref, info),
        mark: (name) => options.socket.send(markMessage(options.streamSid, name)),
      },
    });
  }

  /** One `audio.out` message from TTS. */
  receive(msg: AudioMessage): void {
    // After a failover, audio from an instance that lost the call (paused, then back) is not played.
    const instance = msg.header(AudioHeader.instance);
    if (instance !== undefined && this.retired.has(instance)) return;
    const rate = msg.num(AudioHeader.sampleRate, this.options.sampleRate);
    if (rate !== this.options.sampleRate && !this.sampleRateWarned) {
      this.sampleRateWarned = true;
      this.options.log.warn({ got: rate, want: this.options.sampleRate }, 'agent audio at the wrong sample rate');
    }
    const turn = msg.num(AudioHeader.turn);
    if (this.turns.interrupted.has(turn)) return;
    if (!this.turns.firstAudioIn.has(turn)) {
      if (msg.header(AudioHeader.providerMs) !== undefined)
        this.turns.ttsProviderMs.set(turn, msg.num(AudioHeader.providerMs));
      this.turns.firstAudioIn.set(turn, this.options.timeline.ms());
    }
    this.turns.lastAgentAudioAt = this.options.timeline.clock.now();
    this.playout.audio(turn, msg.num(AudioHeader.segment), Buffer.from(msg.data), msg.header(AudioHeader.last) === '1');
  }

  /** Exotel echoed a mark: the caller heard that segment in full. */
  markEchoed(name: string): void {
    const info = this.playout.markEchoed(name);
    if (!info) {
      this.options.log.debug({ mark: name }, 'ignored an echo of a mark we are not waiting for');
      return;
    }
    this.options.bus.publish('playback', {
      type: 'playback.segment-played',
      turn: info.turn,
      segment: info.segment,
      audioMs: info.audioMs,
    });
  }

  /** `reply.done`: the turn has `segments` segments so far. */
  replyDone(turn: number, segments: number): void {
    this.turns.segmentsAnnounced(turn, segments);
  }

  /** `speech.stopped`: the caller's utterance ended (for the voice-to-voice metric of its answer). */
  callerSpeechEnded(utterance: number, speechEndMs: number): void {
    this.turns.speechEndMs.set(utterance, speechEndMs);
    this.pause?.stopped(utterance);
  }

  /** `speech.final` (backchannel or not) or `speech.noise`: decides a barge-in paused on it. */
  callerUtteranceDecided(utterance: number, verdict: UtteranceVerdict): void {
    this.pause?.decided(utterance, verdict);
  }

  /**
   * `speech.started`: the caller began an utterance. With barge-in on, it interrupts the agent's
   * turn while its audio plays, or between two of its sentences (the next is being synthesised).
   * In `pause` mode it pauses the turn until the utterance's transcript decides.
   */
  callerStartedSpeaking(utterance: number): void {
    if (!this.options.bargeIn) return;
    const turn = this.playout.currentTurn();
    if (turn === null || !this.speaking(turn)) return;
    if (this.pause) {
      this.pause.onset(turn, utterance);
      return;
    }
    this.options.log.info({ turn, utterance }, 'barge-in');
    this.interrupt(turn, 'barge-in', true);
  }

  /** Whether the agent is speaking `turn` (an agent turn, not interrupted, playing or between its sentences). */
  private speaking(turn: number): boolean {
    if (turn === APOLOGY_TURN || this.turns.interrupted.has(turn)) return false;
    return (
      (this.playout.currentTurn() === turn && this.playout.isPlaying()) ||
      this.turns.inProgress(turn, this.playout.marks)
    );
  }

  /**
   * Stops the agent: `clear` to Exotel, queued audio dropped, `playback.interrupted` with what was
   * heard. `announce` also publishes `control.interrupt` (barge-in decided here).
   */
  interrupt(turn: number, reason: string, announce: boolean): void {
    if (this.turns.interrupted.has(turn)) return;
    this.turns.interrupted.add(turn);
    this.options.socket.send(clearMessage(this.options.streamSid));
    const result = this.playout.interrupt(turn);
    this.pause?.forget();
    this.playout.resume();
    if (announce) this.options.bus.publish('control', { type: 'control.interrupt', turn, reason });
    this.options.bus.publish('playback', {
      type: 'playback.interrupted',
      turn,
      heardSegments: result?.heardSegments ?? [],
    });
    this.options.log.info({ turn, reason, heard: result?.heardSegments.length ?? 0 }, 'agent interrupted');
  }

  /** A stage instance lost the call: its audio is not played any more. */
  ignoreInstance(instanceId: string): void {
    this.retired.add(instanceId);
  }

  /** An instance holds the call (again): its audio plays. */
  trustInstance(instanceId: string): void {
    this.retired.delete(instanceId);
  }

  /** The TTS instance speaking is gone: what came of its open segments plays, then the turn moves on. */
  endOpenSegments(): number {
    return this.playout.endOpenSegments();
  }

  /** Plays the pre-recorded no-capacity apology. */
  playApology(pcm: Buffer): void {
    this.playout.audio(APOLOGY_TURN, 0, pcm, true);
    this.turns.lastAgentAudioAt = this.options.timeline.clock.now();
    this.turns.started.add(APOLOGY_TURN);
  }

  /** Whether the caller heard `turn` in full (or it was interrupted). */
  heard(turn: number): boolean {
    return this.turns.heard(turn, this.playout.marks);
  }

  /** Nothing is playing and no agent audio came for `ms`. */
  quietFor(ms: number): boolean {
    return !this.playout.isPlaying() && this.options.timeline.clock.now() - this.turns.lastAgentAudioAt >= ms;
  }

  stop(): void {
    this.pause?.forget();
    this.playout.stop();
  }

  private sendMedia(pcm: Buffer, ref: SegmentRef, { playAt, lateByMs, gapMs }: ChunkInfo): void {
    const { socket, bus, timeline, metrics, streamSid, sampleRate, log } = this.options;
    socket.send(mediaMessage(streamSid, pcm));
    metrics.observeChunk({ lateByMs, gapMs });
    if (gapMs > 0)
      log.info(
        { turn: ref.turn, segment: ref.segment, gapMs: Math.round(gapMs), lateByMs: Math.round(lateByMs) },
        lateByMs > 0
          ? 'caller heard a gap in agent speech: a chunk sent late'
          : 'caller heard a gap in agent speech: TTS audio came late',
      );
    if (ref.turn === APOLOGY_TURN) return;
    bus.publishAudio(this.audioSentSubject, pcm, {
      [AudioHeader.turn]: ref.turn,
      [AudioHeader.segment]: ref.segment,
      [AudioHeader.seq]: this.audioSentSeq++,
      [AudioHeader.timelineMs]: Math.round(timeline.at(playAt) * 1000) / 1000,
      [AudioHeader.sampleRate]: sampleRate,
    });
    if (this.turns.started.has(ref.turn)) return;
    this.turns.started.add(ref.turn);
    const now = timeline.ms();
    const ttsProviderMs = this.turns.ttsProviderMs.get(ref.turn);
    bus.publish('playback', {
      type: 'playback.started',
      turn: ref.turn,
      firstAudioInMs: this.turns.firstAudioIn.get(ref.turn) ?? now,
      ...(ttsProviderMs !== undefined ? { ttsProviderMs } : {}),
    });
    const speechEnd = this.turns.speechEndMs.get(ref.turn);
    if (ref.turn > 0 && speechEnd !== undefined && now >= speechEnd)
      metrics.voiceToVoiceMs.observe({ value: now - speechEnd, exemplarLabels: traceExemplar(bus.callId) });
  }
}
