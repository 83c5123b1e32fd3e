/**
 * Runs before every test file (vitest `setupFiles`).
 *
 * Property tests draw from one fixed seed, so `npm test` runs the same inputs every time; set
 * `FC_SEED=<integer>` to explore others. A failing `fc.assert` reports the seed and the path of
 * its shrunk counterexample (`{ seed: …, path: "…" }`); pass both to that `fc.assert` to replay it.
 */
import fc from 'fast-check';

const DEFAULT_FC_SEED = 20260417;

const raw = process.env.FC_SEED;
const seed = raw === undefined || raw.trim() === '' ? DEFAULT_FC_SEED : Number(raw);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(raw)}`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
