import type { PacerClock } from '../pacer.js';

/** A call's clock: timeline 0 is when the gateway accepted `start`. */
export class CallTimeline {
  /** Clock time (the pacer's clock) of timeline 0. */
  readonly t0: number;
  /** Wall clock (epoch ms) of timeline 0: the call descriptor's `startedAt`. */
  readonly startedAt: number;

  constructor(readonly clock: PacerClock) {
    this.t0 = clock.now();
    this.startedAt = Date.now();
  }

  /** Ms on the call's timeline now. */
  ms(): number {
    return this.clock.now() - this.t0;
  }

  /** Ms on the call's timeline of the clock time `at`. */
  at(clockMs: number): number {
    return clockMs - this.t0;
  }
}
