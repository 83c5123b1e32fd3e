/**
 * The states of one call and the only moves between them. `CallSession` alone moves the call;
 * everything else asks it (or is told).
 *
 *   connecting ──start──▶ claiming ──claims answered──▶ live ──hang-up / transfer──▶ ending
 *       │                    │  └──no capacity──▶ apologising ◀──stage lost, none free──┘ │
 *       └────────────────────┴───────────────┬───────────┴───────────────────────────────┘
 *                                            ▼
 *                                          ended  (stop, socket closed, refused, shutdown, error)
 */
export const CALL_STATES = ['connecting', 'claiming', 'live', 'ending', 'apologising', 'ended'] as const;
export type CallStateName = (typeof CALL_STATES)[number];

/** Where each state may go. */
const NEXT: Readonly<Record<CallStateName, readonly CallStateName[]>> = {
  connecting: ['claiming', 'ended'],
  claiming: ['live', 'apologising', 'ended'],
  live: ['ending', 'apologising', 'ended'],
  ending: ['ended'],
  apologising: ['ended'],
  ended: [],
};

export class CallState {
  private state: CallStateName = 'connecting';

  get current(): CallStateName {
    return this.state;
  }

  is(...states: CallStateName[]): boolean {
    return states.includes(this.state);
  }

  /** Whether the call may move to `next` from where it is. */
  canMove(next: CallStateName): boolean {
    return NEXT[this.state].includes(next);
  }

  /** Moves to `next`; returns false (and stays) when that move is not allowed from here. */
  move(next: CallStateName): boolean {
    if (!this.canMove(next)) return false;
    this.state = next;
    return true;
  }
}
