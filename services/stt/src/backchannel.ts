/**
 * Whether a transcript is only acknowledgment ("haan", "ok", "uh-huh", "ठीक है"): a backchannel,
 * which does not take the floor from an agent that is speaking. Lexical only; the gateway and the
 * LLM decide what it means from whether the agent was speaking.
 */

/** Built-in acknowledgment words per language (Hindi in Latin and Devanagari script). */
export const DEFAULT_BACKCHANNEL_WORDS = {
  en: ['yes', 'yeah', 'yep', 'ok', 'okay', 'hmm', 'mm', 'mhm', 'mm-hmm', 'uh-huh', 'right', 'sure'],
  hi: [
    'haan',
    'haa',
    'han',
    'hmm',
    'achha',
    'accha',
    'acha',
    'theek hai',
    'thik hai',
    'theek',
    'ji',
    'ji haan',
    'ok',
    'हाँ',
    'हां',
    'हा',
    'हम्म',
    'अच्छा',
    'ठीक है',
    'ठीक',
    'जी',
    'जी हाँ',
    'जी हां',
    'ओके',
  ],
} as const;

/** How a transcript reads after normalisation. */
export type TranscriptKind = 'noise' | 'backchannel' | 'speech';

/**
 * Lower case, NFC, hyphens as spaces, letters and combining marks only (Devanagari vowel signs are
 * marks), a letter repeated three times or more kept twice ("hmmm" → "hmm", "haaan" → "haan").
 */
export function normaliseWords(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[-‐‑–—_]/g, ' ')
    .replace(/[^\p{L}\p{M}\p{N}\s']/gu, ' ')
    .replace(/'/g, '')
    .replace(/(\p{L})\1{2,}/gu, '$1$1')
    .split(/\s+/)
    .filter((w) => w !== '');
}

export class BackchannelClassifier {
  /** Each phrase as its words; longest first, so "theek hai" is tried before "theek". */
  private readonly phrases: string[][];

  /** `words`: the agent's list, or null for the built-in English and Hindi lists. */
  constructor(words: readonly string[] | null) {
    const list = words ?? [...DEFAULT_BACKCHANNEL_WORDS.en, ...DEFAULT_BACKCHANNEL_WORDS.hi];
    const seen = new Set<string>();
    this.phrases = [];
    for (const phrase of list) {
      const normal = normaliseWords(phrase);
      const key = normal.join(' ');
      if (normal.length === 0 || seen.has(key)) continue;
      seen.add(key);
      this.phrases.push(normal);
    }
    this.phrases.sort((a, b) => b.length - a.length);
  }

  /** `noise`: no words at all; `backchannel`: only acknowledgment phrases; `speech` otherwise. */
  classify(text: string): TranscriptKind {
    const words = normaliseWords(text);
    if (words.length === 0) return 'noise';
    return this.covers(words, 0, new Map()) ? 'backchannel' : 'speech';
  }

  /** Whether words[from..] is a sequence of phrases (memoised over positions). */
  private covers(words: string[], from: number, memo: Map<number, boolean>): boolean {
    if (from === words.length) return true;
    const known = memo.get(from);
    if (known !== undefined) return known;
    let ok = false;
    for (const phrase of this.phrases) {
      if (from + phrase.length > words.length) continue;
      if (phrase.every((w, i) => words[from + i] === w) && this.covers(words, from + phrase.length, memo)) {
        ok = true;
        break;
      }
    }
    memo.set(from, ok);
    return ok;
  }
}
