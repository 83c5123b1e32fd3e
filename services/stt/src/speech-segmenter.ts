import { pcmToInt16 } from '@audexly/audio';
import { AudioFramer, type TimedFrame } from './framer.js';
import { TurnDetector, type TurnDetectorOptions } from './turn-detector.js';
import { EnergyVad, type VoiceActivityDetector } from './vad.js';

/**
 * What the caller's audio means for transcription:
 * - `start`: a turn began at `speechStartMs`; `audio` is the pre-roll and the speech so far.
 * - `audio`: more audio of the turn (speech and the silence that follows it).
 * - `end`: the turn ended; `speechEndMs` is the end of its last speech.
 */
export type SegmenterAction =
  | { type: 'start'; speechStartMs: number; audio: Buffer }
  | { type: 'audio'; pcm: Buffer }
  /** `afterProbe`: the turn ended in a probed pause with no speech since (its audio was all asked for). */
  | { type: 'end'; speechEndMs: number; afterProbe?: true }
  /** A short pause in the turn (the audio before it has been emitted): see {@link TurnDetectorOptions.probeSilenceMs}. */
  | { type: 'pause'; probe: number }
  /** Speech again after the pause `probe` (the audio up to here has been emitted). */
  | { type: 'resume'; probe: number };

export interface SpeechSegmenterOptions {
  sampleRate: number;
  turn: TurnDetectorOptions;
  /** Audio kept from before the first speech frame; default 300 ms. */
  preRollMs?: number;
  /** Default: an {@link EnergyVad} for the rate. */
  vad?: VoiceActivityDetector;
}

/** VAD + turn detection + pre-roll over one call's caller audio. */
export class SpeechSegmenter {
  private readonly vad: VoiceActivityDetector;
  private readonly framer: AudioFramer;
  private readonly turns: TurnDetector;
  private readonly preRollMs: number;
  /** Recent frames while no turn is on: the pre-roll and any candidate onset. */
  private recent: TimedFrame[] = [];

  constructor(options: SpeechSegmenterOptions) {
    this.vad = options.vad ?? new EnergyVad({ sampleRate: options.sampleRate });
    this.framer = new AudioFramer(options.sampleRate, this.vad.frameSamples);
    this.turns = new TurnDetector(options.turn);
    this.preRollMs = options.preRollMs ?? 300;
  }

  get inTurn(): boolean {
    return this.turns.inTurn;
  }

  /** The end-of-turn silence for the pause `probe` (see {@link TurnDetector.setEndOfTurnSilence}). */
  setEndOfTurnSilence(probe: number, ms: number): void {
    this.turns.setEndOfTurnSilence(probe, ms);
  }

  /** Feeds a chunk whose first sample sits at `timelineMs`. */
  async push(pcm: Buffer, timelineMs: number): Promise<SegmenterAction[]> {
    const actions: SegmenterAction[] = [];
    let turnAudio: Buffer[] = [];
    const emitAudio = () => {
      if (turnAudio.length > 0) actions.push({ type: 'audio', pcm: Buffer.concat(turnAudio) });
      turnAudio = [];
    };
    for (const frame of this.framer.push(pcm, timelineMs)) {
      const verdict = this.vad.isSpeech(pcmToInt16(frame.pcm));
      const speech = typeof verdict === 'boolean' ? verdict : await verdict;
      const wasInTurn = this.turns.inTurn;
      const event = this.turns.push(speech, frame.startMs, frame.durationMs);
      if (wasInTurn) {
        turnAudio.push(frame.pcm);
        if (event?.type === 'end' || event?.type === 'pause' || event?.type === 'resume') {
          emitAudio();
          actions.push(event);
        }
        continue;
      }
      this.recent.push(frame);
      if (event?.type === 'start') {
        actions.push({
          type: 'start',
          speechStartMs: event.speechStartMs,
          audio: Buffer.concat(this.recent.map((f) => f.pcm)),
        });
        this.recent = [];
        continue;
      }
      this.trimRecent(frame.startMs + frame.durationMs);
    }
    emitAudio();
    return actions;
  }

  private trimRecent(nowMs: number): void {
    const keepFrom = (this.turns.candidateOnsetMs ?? nowMs) - this.preRollMs;
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop]!.startMs + this.recent[drop]!.durationMs <= keepFrom) drop++;
    if (drop > 0) this.recent = this.recent.slice(drop);
  }
}
