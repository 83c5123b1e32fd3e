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
  /**
   * During a turn, a silence this long reports a `pause` (once per silence), so the transcript so
   * far can be asked for and the end-of-turn silence set for it ({@link TurnDetector.setEndOfTurnSilence}).
   * Off when undefined.
   */
  probeSilenceMs?: number;
}

export type TurnEvent =
  | { type: 'start'; speechStartMs: number }
  /** `afterProbe`: the silence that ended the turn was reported as a `pause`, and no speech came since. */
  | { type: 'end'; speechEndMs: number; afterProbe?: true }
  /** A short pause in the turn; `probe` identifies this silence for {@link TurnDetector.setEndOfTurnSilence}. */
  | { type: 'pause'; probe: number }
  /** Speech again after the pause `probe`: what was judged or started at that pause is void. */
  | { type: 'resume'; probe: number };

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
  /** The silence that ends the current silence's turn (the fixed one unless set for this pause). */
  private endSilenceMs: number;
  private probe = 0;
  private probed = false;

  constructor(private readonly options: TurnDetectorOptions) {
    this.onsetGapMs = options.onsetGapMs ?? 150;
    this.resumeSpeechMs = options.resumeSpeechMs ?? 60;
    this.endSilenceMs = options.endOfTurnSilenceMs;
  }

  /** The silence that ends the turn, for the pause `probe` only (ignored once the caller spoke again). */
  setEndOfTurnSilence(probe: number, ms: number): void {
    if (this.speaking && this.probed && probe === this.probe) this.endSilenceMs = ms;
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
    this.listenAgain();
    return { type: 'start', speechStartMs };
  }

  private during(speech: boolean, startMs: number, durationMs: number): TurnEvent | null {
    if (speech) {
      this.runMs += durationMs;
      if (this.runMs >= this.resumeSpeechMs) {
        this.silenceMs = 0;
        this.lastSpeechEndMs = startMs + durationMs;
        const probed = this.probed;
        this.listenAgain();
        return probed ? { type: 'resume', probe: this.probe } : null;
      }
    } else {
      this.runMs = 0;
    }
    this.silenceMs += durationMs;
    // A window of speech too short to count yet (under resumeSpeechMs) still counts towards the
    // silence, but a pause or the end is only reported on a silent window: reported on a speech
    // window, the audio asked for would end inside the word the caller is starting.
    if (speech) return null;
    const { probeSilenceMs } = this.options;
    if (
      probeSilenceMs !== undefined &&
      !this.probed &&
      this.silenceMs >= probeSilenceMs &&
      this.silenceMs < this.endSilenceMs
    ) {
      this.probed = true;
      this.probe++;
      return { type: 'pause', probe: this.probe };
    }
    if (this.silenceMs < this.endSilenceMs) return null;
    this.speaking = false;
    return this.probed
      ? { type: 'end', speechEndMs: this.lastSpeechEndMs, afterProbe: true }
      : { type: 'end', speechEndMs: this.lastSpeechEndMs };
  }

  /** Speech (again): the fixed end-of-turn silence until the next pause is judged. */
  private listenAgain(): void {
    this.probed = false;
    this.endSilenceMs = this.options.endOfTurnSilenceMs;
  }
}
