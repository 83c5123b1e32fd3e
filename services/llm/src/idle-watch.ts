export interface IdleLimits {
  /** Caller silent this long after the agent finished speaking: re-prompt (once per silence). */
  idleRepromptMs: number;
  /** Caller silent this long after the agent finished speaking: goodbye and hang up. */
  idleHangupMs: number;
}

export interface IdleActions {
  reprompt(): void;
  hangup(): void;
}

/**
 * Watches for a silent caller. The clock starts when the agent has finished speaking — the last
 * segment of its turn was played (`playback.segment-played`), or the turn had nothing to say — and
 * stops as soon as the caller speaks or the agent starts a new reply.
 */
export class IdleWatch {
  /** The turn whose end we wait to hear, and its last segment (null: nothing to hear). */
  private awaiting: { turn: number; lastSegment: number | null } | null = null;
  private reprompt: NodeJS.Timeout | undefined;
  private hangup: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly limits: IdleLimits,
    private readonly actions: IdleActions,
  ) {}

  /** The agent is replying, or the caller is speaking: no clock. */
  busy(): void {
    this.awaiting = null;
    this.clear();
  }

  /** The agent's reply for `turn` is complete with segments up to `lastSegment`; the clock starts once it has been heard. */
  replied(turn: number, lastSegment: number | null): void {
    this.clear();
    if (lastSegment === null) {
      this.awaiting = null;
      this.arm();
    } else {
      this.awaiting = { turn, lastSegment };
    }
  }

  /** Playback confirmed a segment. */
  played(turn: number, segment: number): void {
    const a = this.awaiting;
    if (a && a.turn === turn && a.lastSegment !== null && segment >= a.lastSegment) {
      this.awaiting = null;
      this.arm();
    }
  }

  /** Starts the clock now (e.g. after recovering a call). */
  arm(): void {
    this.clear();
    if (this.stopped) return;
    this.reprompt = setTimeout(() => this.actions.reprompt(), this.limits.idleRepromptMs);
    this.hangup = setTimeout(() => this.actions.hangup(), this.limits.idleHangupMs);
  }

  stop(): void {
    this.stopped = true;
    this.busy();
  }

  private clear(): void {
    clearTimeout(this.reprompt);
    clearTimeout(this.hangup);
    this.reprompt = undefined;
    this.hangup = undefined;
  }
}
