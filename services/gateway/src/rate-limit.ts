/**
 * Inbound message budget of one connection: a token bucket of `perSecond` messages refilled
 * continuously, with a burst of one second's worth. Exotel sends ~10 frames a second (plus marks
 * and DTMF); a peer far above the budget is misbehaving and gets closed with 1008.
 */
export class MessageRateLimit {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = perSecond;
    this.last = now();
  }

  /** Takes one message; false when over the budget. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
