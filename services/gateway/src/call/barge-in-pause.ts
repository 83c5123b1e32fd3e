/**
 * Barge-in decided by the transcript (`turn.bargeInMode: 'pause'`). At the caller's speech onset
 * over the agent, the agent's audio pauses; the utterance's transcript decides: acknowledgment
 * words only (a backchannel) or no words (noise) resume it where it paused, anything else
 * interrupts it. The pause is bounded: after `decisionMs` without a decision the agent is
 * interrupted if the caller is still speaking, and resumes otherwise (a transcript with words that
 * arrives later still interrupts it).
 */
import type { PacerClock } from '../pacer.js';

/** What the transcript of an utterance says about it. */
export type UtteranceVerdict = 'backchannel' | 'noise' | 'speech';

export interface BargeInPausePorts {
  clock: PacerClock;
  /** Stop feeding the agent's audio (nothing dropped). */
  pause(turn: number, utterance: number): void;
  /** Feed it again from where it paused. */
  resume(turn: number, utterance: number, reason: 'backchannel' | 'noise' | 'timeout', pausedMs: number): void;
  /** Interrupt the turn as a barge-in (`clear`, truncation). */
  interrupt(turn: number, utterance: number): void;
  /** Whether the turn is still being spoken (not heard in full, not interrupted). */
  inProgress(turn: number): boolean;
}

interface Pause {
  turn: number;
  since: number;
  /** Utterances heard over the agent that have no verdict yet. */
  undecided: Set<number>;
  /** Of those, the ones still being spoken (no `speech.stopped` yet). */
  speaking: Set<number>;
  timer: unknown;
}

export class BargeInPause {
  private pause: Pause | null = null;
  /** After a timeout resume: utterances whose transcript, if it has words, still interrupts the turn. */
  private late: { turn: number; utterances: Set<number> } | null = null;

  constructor(
    private readonly ports: BargeInPausePorts,
    private readonly decisionMs: number,
  ) {}

  get pausedTurn(): number | null {
    return this.pause?.turn ?? null;
  }

  /** The caller began utterance `utterance` while the agent speaks `turn`. */
  onset(turn: number, utterance: number): void {
    const { clock } = this.ports;
    if (this.pause && this.pause.turn !== turn) this.forget();
    if (!this.pause) {
      this.pause = { turn, since: clock.now(), undecided: new Set(), speaking: new Set(), timer: null };
      this.ports.pause(turn, utterance);
    }
    const pause = this.pause;
    pause.undecided.add(utterance);
    pause.speaking.add(utterance);
    if (pause.timer !== null) clock.clearTimeout(pause.timer);
    pause.timer = clock.setTimeout(() => this.timedOut(), this.decisionMs);
  }

  /** `speech.stopped` of an utterance. */
  stopped(utterance: number): void {
    this.pause?.speaking.delete(utterance);
  }

  /** The transcript of an utterance came (`speech.final`, or `speech.noise`). */
  decided(utterance: number, verdict: UtteranceVerdict): void {
    const pause = this.pause;
    if (pause?.undecided.has(utterance)) {
      if (verdict === 'speech') {
        this.interrupt(pause.turn, utterance);
        return;
      }
      pause.undecided.delete(utterance);
      pause.speaking.delete(utterance);
      if (pause.undecided.size === 0) this.resume(utterance, verdict);
      return;
    }
    const late = this.late;
    if (late?.utterances.has(utterance)) {
      late.utterances.delete(utterance);
      if (verdict === 'speech' && this.ports.inProgress(late.turn)) this.ports.interrupt(late.turn, utterance);
    }
  }

  /** The turn was interrupted or ended some other way: nothing is pending any more. */
  forget(): void {
    if (this.pause?.timer != null) this.ports.clock.clearTimeout(this.pause.timer);
    this.pause = null;
    this.late = null;
  }

  private timedOut(): void {
    const pause = this.pause;
    if (!pause) return;
    pause.timer = null;
    const [utterance] = [...pause.undecided].slice(-1);
    if (utterance === undefined) return;
    if (pause.speaking.size > 0) {
      this.interrupt(pause.turn, utterance);
      return;
    }
    this.late = { turn: pause.turn, utterances: new Set(pause.undecided) };
    this.resume(utterance, 'timeout', false);
  }

  private resume(utterance: number, reason: 'backchannel' | 'noise' | 'timeout', clearLate = true): void {
    const pause = this.pause!;
    if (pause.timer !== null) this.ports.clock.clearTimeout(pause.timer);
    this.pause = null;
    if (clearLate) this.late = null;
    this.ports.resume(pause.turn, utterance, reason, this.ports.clock.now() - pause.since);
  }

  private interrupt(turn: number, utterance: number): void {
    this.forget();
    this.ports.interrupt(turn, utterance);
  }
}
