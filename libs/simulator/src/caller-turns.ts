import { pcmToInt16 } from '@audexly/audio';
import { loadCallerAudio, type CallerAudioInput } from './caller-audio.js';

/**
 * One thing the caller does, in order: say something (`audio`), or press keys (`dtmf`). By default
 * the caller waits for the agent to finish its current answer first, and then for the answer to
 * this turn.
 */
export interface CallerTurn {
  /** Speech: a WAV file or PCM. */
  audio?: CallerAudioInput;
  /** Only this part of the audio, ms from its start (e.g. a short noise burst cut out of speech). */
  clip?: { fromMs: number; ms: number };
  /** Keys to press instead of speaking (`0`-`9`, `*`, `#`), `dtmfGapMs` apart. */
  dtmf?: string;
  /** Time between two key presses; default 150 ms. */
  dtmfGapMs?: number;
  /**
   * Barge in: start this long after the agent's current answer began to play, while it still
   * speaks, instead of waiting for it to finish.
   */
  bargeInAfterMs?: number;
  /**
   * Wait for the agent to answer this turn (default true). False: a false start (noise, "uh-huh")
   * that must not be answered; the caller keeps listening to the agent's current answer.
   */
  expectAnswer?: boolean;
  /** Name in the results; default the file name, or `dtmf`. */
  name?: string;
}

/** A turn ready to play at the call's rate. */
export interface PreparedTurn {
  name: string;
  /** Speech at the call rate, or null for a DTMF turn. */
  pcm: Buffer | null;
  dtmf: string | null;
  dtmfGapMs: number;
  bargeInAfterMs: number | null;
  expectAnswer: boolean;
  /** Where audible speech starts in `pcm`, ms (null: none, or a DTMF turn). */
  onsetOffsetMs: number | null;
  /** Where audible speech ends in `pcm`, ms: the trailing silence of a recording excluded (null: none, or a DTMF turn). */
  speechEndOffsetMs: number | null;
}

export async function prepareTurn(turn: CallerTurn, rate: number): Promise<PreparedTurn> {
  const base = {
    dtmfGapMs: turn.dtmfGapMs ?? 150,
    bargeInAfterMs: turn.bargeInAfterMs ?? null,
    expectAnswer: turn.expectAnswer ?? true,
  };
  if (turn.dtmf !== undefined) {
    if (!/^[0-9*#]+$/.test(turn.dtmf)) throw new Error(`not DTMF keys: ${JSON.stringify(turn.dtmf)}`);
    return {
      ...base,
      name: turn.name ?? 'dtmf',
      pcm: null,
      dtmf: turn.dtmf,
      onsetOffsetMs: null,
      speechEndOffsetMs: null,
    };
  }
  if (turn.audio === undefined) throw new Error('a caller turn needs audio or dtmf');
  const loaded = await loadCallerAudio(turn.audio, rate);
  const bytesPerMs = (rate * 2) / 1000;
  const pcm = turn.clip
    ? loaded.pcm.subarray(
        Math.round(turn.clip.fromMs * bytesPerMs) & ~1,
        Math.round((turn.clip.fromMs + turn.clip.ms) * bytesPerMs) & ~1,
      )
    : loaded.pcm;
  return {
    ...base,
    name: turn.name ?? loaded.name,
    pcm,
    dtmf: null,
    onsetOffsetMs: speechOnsetMs(pcm, rate),
    speechEndOffsetMs: speechEndMs(pcm, rate),
  };
}

/** Loudness (RMS of PCM16) above which a 10 ms window counts as speech. */
const ONSET_RMS = 500;

/** Where audible sound starts: the first 10 ms window louder than {@link ONSET_RMS}, ms; null if none. */
export function speechOnsetMs(pcm: Buffer, rate: number, threshold = ONSET_RMS): number | null {
  const { levels, windowMs } = loudness(pcm, rate);
  const first = levels.findIndex((level) => level > threshold);
  return first < 0 ? null : first * windowMs;
}

/**
 * Where audible sound ends: the end of the last 10 ms window louder than {@link ONSET_RMS}, ms;
 * null if none. A recording's trailing silence is not speech: latency counts from here.
 */
export function speechEndMs(pcm: Buffer, rate: number, threshold = ONSET_RMS): number | null {
  const { levels, windowMs } = loudness(pcm, rate);
  const last = levels.findLastIndex((level) => level > threshold);
  return last < 0 ? null : (last + 1) * windowMs;
}

/** RMS (PCM16 scale) of each whole 10 ms window. */
function loudness(pcm: Buffer, rate: number): { levels: number[]; windowMs: number } {
  const samples = pcmToInt16(pcm);
  const window = Math.max(1, Math.round(rate / 100));
  const levels: number[] = [];
  for (let start = 0; start + window <= samples.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += samples[i]! * samples[i]!;
    levels.push(Math.sqrt(sum / window));
  }
  return { levels, windowMs: (window / rate) * 1000 };
}
