/** Turn-taking thresholds (the agent's `turn` config). */
export interface TurnDetectorOptions {
  /** Speech shorter than this is noise, not a turn. */
  minSpeechMs: number;
  /** Silence after speech that ends the caller's turn. */
  endOfTurnSilenceMs: number;
  /** Before a turn starts, a gap this long discards the speech heard so far; default 150 ms. */
  onsetGapMs?: number;
  /** During a turn, speech must last this long to count (clicks and noise bursts do not); default 60 ms. */
  resumeSpeechMs?: number;
}

export type TurnEvent = { type: 'start'; speechStartMs: number } | { type: 'end'; speechEndMs: number };

/**
 * Turns per-frame speech decisions into turns: a start once `minSpeechMs` of speech has accumulated
 * (stamped with the first speech frame), an end after `endOfTurnSilenceMs` of silence (stamped with
 * the end of the last speech frame). Times are on the call timeline.
 */
export class TurnDetector {
  private speaking = false;
  /** Before a turn: the candidate onset and how much speech it has. */
  private candidateStartMs: number | null = null;
  private candidateSpeechMs = 0;
  private gapMs = 0;
  /** During a turn. */
  private lastSpeechEndMs = 0;
  private runMs = 0;
  private silenceMs = 0;
  private readonly onsetGapMs: number;
  private readonly resumeSpeechMs: number;

  constructor(private readonly options: TurnDetectorOptions) {
    this.onsetGapMs = options.onsetGapMs ?? 150;
    this.resumeSpeechMs = options.resumeSpeechMs ?? 60;
  }

  get inTurn(): boolean {
    return this.speaking;
  }

  /** Timeline of the earliest frame that may belong to a turn (the candidate onset), if any. */
  get candidateOnsetMs(): number | null {
    return this.candidateStartMs;
  }

  push(speech: boolean, startMs: number, durationMs: number): TurnEvent | null {
    return this.speaking ? this.during(speech, startMs, durationMs) : this.before(speech, startMs, durationMs);
  }

  private before(speech: boolean, startMs: number, durationMs: number): TurnEvent | null {
    if (!speech) {
      if (this.candidateStartMs === null) return null;
      this.gapMs += durationMs;
      if (this.gapMs >= this.onsetGapMs) this.candidateStartMs = null;
      return null;
    }
    if (this.candidateStartMs === null) {
      this.candidateStartMs = startMs;
      this.candidateSpeechMs = 0;
    }
    this.gapMs = 0;
    this.candidateSpeechMs += durationMs;
    if (this.candidateSpeechMs < Math.max(this.options.minSpeechMs, durationMs)) return null;
    const speechStartMs = this.candidateStartMs;
    this.speaking = true;
    this.candidateStartMs = null;
    this.lastSpeechEndMs = startMs + durationMs;
    this.runMs = this.resumeSpeechMs;
    this.silenceMs = 0;
    return { type: 'start', speechStartMs };
  }

  private during(speech: boolean, startMs: number, durationMs: number): TurnEvent | null {
    if (speech) {
      this.runMs += durationMs;
      if (this.runMs >= this.resumeSpeechMs) {
        this.silenceMs = 0;
        this.lastSpeechEndMs = startMs + durationMs;
        return null;
      }
    } else {
      this.runMs = 0;
    }
    this.silenceMs += durationMs;
    if (this.silenceMs < this.options.endOfTurnSilenceMs) return null;
    this.speaking = false;
    return { type: 'end', speechEndMs: this.lastSpeechEndMs };
  }
}
