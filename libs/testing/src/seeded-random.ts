/**
 * Seeded randomness for tests: the same seed gives the same sequence on every run and machine, so
 * a failure found with random input can be replayed. Put the seed in the assertion message.
 */

/** mulberry32: a tiny 32-bit generator; returns numbers in [0, 1) like `Math.random`. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [0, below) from `random`. */
export function randomBelow(random: () => number, below: number): number {
  return Math.floor(random() * below);
}
