/**
 * What a call's gateway knows about each agent turn: when its audio first came, what the TTS
 * provider took, whether it started playing or was interrupted, how many segments it has, and when
 * the caller's speech that led to it ended.
 */
import type { MarkTracker } from '../marks.js';

/** Turn number of the no-capacity apology: far above any agent turn. */
export const APOLOGY_TURN = 1_000_000;

export class TurnLedger {
  /** Per turn: timeline ms its first agent audio arrived. */
  readonly firstAudioIn = new Map<number, number>();
  /** Per turn: time inside the TTS provider to its first audio (`Audexly-Provider-Ms` of the turn's first message). */
  readonly ttsProviderMs = new Map<number, number>();
  readonly started = new Set<number>();
  readonly interrupted = new Set<number>();
  /** Segments per turn so far (latest `reply.done`): a turn is heard once all of them are. */
  private readonly replySegments = new Map<number, number>();
  /** Per utterance (= the turn answering it): timeline ms the caller stopped speaking. */
  readonly speechEndMs = new Map<number, number>();
  /** Clock time agent audio last arrived (or was queued). */
  lastAgentAudioAt = -Infinity;

  /** `reply.done` announced `segments` for `turn`. */
  segmentsAnnounced(turn: number, segments: number): void {
    this.replySegments.set(turn, Math.max(this.replySegments.get(turn) ?? 0, segments));
  }

  /**
   * Whether the agent is still in the middle of `turn`: it started, was not interrupted, and either
   * its reply is not done yet (more sentences may come) or a segment it announced is still unheard.
   * Between two sentences nothing may be playing, yet the turn goes on.
   */
  inProgress(turn: number, marks: MarkTracker | undefined): boolean {
    if (!this.started.has(turn) || this.interrupted.has(turn)) return false;
    return !this.replySegments.has(turn) || !this.heard(turn, marks);
  }

  /** Whether the caller has heard `turn` in full: it started, no mark is outstanding and every announced segment was heard (or it was interrupted). */
  heard(turn: number, marks: MarkTracker | undefined): boolean {
    return (
      this.interrupted.has(turn) ||
      (this.started.has(turn) &&
        (marks?.outstandingForTurn(turn) ?? 0) === 0 &&
        (marks?.heard(turn).length ?? 0) >= (this.replySegments.get(turn) ?? 0))
    );
  }
}
