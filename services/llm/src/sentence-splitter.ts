export interface SentenceSplitterOptions {
  /**
   * Shortest segment worth sending to TTS on its own; shorter sentences are joined with the next
   * one. The first sentence of a reply goes out as soon as it ends, whatever its length (fast first
   * audio). Default 20 characters.
   */
  minChars?: number;
}

const TERMINATORS = '.?!';
const DANDAS = '।॥';
const CLOSERS = `"'”’)]}»`;
/** Words that end with a period without ending a sentence (lower case, inner dots kept). */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'vs',
  'e.g',
  'i.e',
  'rs',
  'approx',
  'dept',
  'govt',
  'ltd',
  'inc',
  'a.m',
  'p.m',
]);

/**
 * Splits streamed reply text into speakable sentences as soon as each is complete. Boundaries are
 * `.`, `?`, `!` followed by whitespace, the Devanagari danda `।` and `॥`, and newlines; a period in
 * a number (3.5) or after a known abbreviation (Dr., e.g.) is not a boundary. The output depends
 * only on the text, never on how it was cut into pieces.
 */
export class SentenceSplitter {
  private buffer = '';
  /** Position in `buffer` up to which boundaries have been decided. */
  private scanned = 0;
  private emitted = 0;
  private readonly minChars: number;

  constructor(options: SentenceSplitterOptions = {}) {
    this.minChars = options.minChars ?? 20;
  }

  /** Adds streamed text; returns the sentences it completed. */
  push(text: string): string[] {
    this.buffer += text;
    return this.drain(false);
  }

  /** The text has ended: returns whatever remains as the last sentences. */
  flush(): string[] {
    const out = this.drain(true);
    const rest = this.buffer.trim();
    if (rest) out.push(rest);
    this.buffer = '';
    this.scanned = 0;
    return out;
  }

  private drain(final: boolean): string[] {
    const out: string[] = [];
    let i = this.scanned;
    while (i < this.buffer.length) {
      const end = this.boundaryAt(i, final);
      if (end === 'wait') break;
      if (end === null) {
        i++;
        continue;
      }
      const sentence = this.buffer.slice(0, end).trim();
      if (sentence && (this.emitted === 0 || sentence.length >= this.minChars)) {
        out.push(sentence);
        this.emitted++;
        this.buffer = this.buffer.slice(end);
        i = 0;
      } else {
        i = end;
      }
    }
    this.scanned = i;
    return out;
  }

  /** Where the sentence ends if `i` is a boundary, null if not, 'wait' if the next characters decide. */
  private boundaryAt(i: number, final: boolean): number | null | 'wait' {
    const text = this.buffer;
    const c = text[i]!;
    if (c === '\n') return i + 1;
    const danda = DANDAS.includes(c);
    if (!danda && !TERMINATORS.includes(c)) return null;
    let j = i + 1;
    while (
      j < text.length &&
      (TERMINATORS.includes(text[j]!) || DANDAS.includes(text[j]!) || CLOSERS.includes(text[j]!))
    )
      j++;
    if (j === text.length) return final ? j : 'wait';
    if (danda) return j;
    if (!/\s/.test(text[j]!)) return null;
    if (c === '.' && j === i + 1 && isAbbreviation(text.slice(0, i))) return null;
    return j;
  }
}

function isAbbreviation(before: string): boolean {
  const word = /([^\s"'“‘([{]+)$/.exec(before)?.[1];
  if (!word) return false;
  if (/^\p{Lu}$/u.test(word)) return true; // an initial: "A. P. J."
  return ABBREVIATIONS.has(word.toLowerCase());
}

/**
 * Hands `onSentence` the first sentence of streamed text, once: the text the first segment of a
 * reply streamed the same way will have (the splitter's output depends only on the text).
 */
export function watchFirstSentence(
  options: SentenceSplitterOptions,
  onSentence: (sentence: string) => void,
): { text(text: string): void; end(): void } {
  const splitter = new SentenceSplitter(options);
  let said = false;
  const say = (sentences: string[]) => {
    if (said || sentences.length === 0) return;
    said = true;
    onSentence(sentences[0]!);
  };
  return {
    text: (text) => {
      if (!said) say(splitter.push(text));
    },
    end: () => {
      if (!said) say(splitter.flush());
    },
  };
}
