import { seedFrom, seededRandom } from './random.js';

/** Splits text into small streaming pieces: words with their leading space, long words cut to 6 characters. */
export function splitForStreaming(text: string): string[] {
  const pieces: string[] = [];
  for (const word of text.match(/\s*\S+/g) ?? []) {
    for (let i = 0; i < word.length; i += 6) pieces.push(word.slice(i, i + 6));
  }
  return pieces.length ? pieces : [text];
}

/**
 * The fake's token count: whitespace-separated words. A stand-in for a real tokenizer, simple enough
 * that a test can predict it (`"One two three."` is 3 tokens); JSON without spaces is one token.
 */
export function countTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** The first `limit` tokens of `text` (see {@link countTokens}), each with the whitespace before it. */
export function takeTokens(text: string, limit: number): string {
  return (text.match(/\s*\S+/g) ?? []).slice(0, Math.max(0, limit)).join('');
}

/**
 * Cuts tool-call arguments into 3–7 fragments at arbitrary places (inside strings and escapes too),
 * never inside a Unicode code point. Deterministic: the same seed and arguments give the same cuts.
 * Arguments shorter than the fragment count give one fragment per character; empty ones give none.
 */
export function splitArguments(args: string, seed: number): string[] {
  const chars = Array.from(args);
  if (chars.length === 0) return [];
  const random = seededRandom(seedFrom(seed, args));
  const count = Math.min(chars.length, 3 + Math.floor(random() * 5));
  const cuts = new Set<number>();
  while (cuts.size < count - 1) cuts.add(1 + Math.floor(random() * (chars.length - 1)));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), chars.length];
  return bounds.slice(1).map((end, i) => chars.slice(bounds[i], end).join(''));
}
