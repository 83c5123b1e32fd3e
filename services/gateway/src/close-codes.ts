/** Close codes we use: normal, going away (drain), policy (no start, rate, token), internal error, try again later. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  error: 1011,
  tryAgainLater: 1013,
} as const;
