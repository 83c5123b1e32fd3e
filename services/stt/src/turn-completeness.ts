/**
 * Completeness-aware end of turn: how long a silence ends the caller's turn, from what they have
 * said so far. A visibly unfinished utterance ("…and", "my number is", a half-read phone number,
 * Hindi "…aur", "mera number") waits longer; a finished request or question waits less; anything
 * else keeps the agent's fixed silence. Rules over the transcript in English and Hindi (Latin and
 * Devanagari script) today; {@link CompletenessJudge} is the seam for a model.
 */
import { normaliseWords } from './backchannel.js';

/** What the transcript so far says about the caller's turn. */
export type Completeness = 'complete' | 'unfinished' | 'unknown';

/** Judges a transcript so far. A model-backed judge implements the same interface. */
export interface CompletenessJudge {
  judge(text: string): Completeness;
}

export interface EndOfTurnBounds {
  /** The agent's fixed silence (`turn.endOfTurnSilenceMs`): used when the judge cannot tell. */
  defaultMs: number;
  /** Silence that ends a finished utterance. */
  minMs: number;
  /** Silence that ends a visibly unfinished one. */
  maxMs: number;
}

/** The end-of-turn silence for a verdict. */
export function endOfTurnSilenceMs(verdict: Completeness, bounds: EndOfTurnBounds): number {
  if (verdict === 'complete') return Math.min(bounds.minMs, bounds.defaultMs);
  if (verdict === 'unfinished') return Math.max(bounds.maxMs, bounds.defaultMs);
  return bounds.defaultMs;
}

/** Words after which a sentence cannot end: conjunctions, articles, prepositions, possessives, fillers. */
const UNFINISHED_LAST = new Set([
  // English
  'and',
  'or',
  'but',
  'because',
  'so',
  'the',
  'a',
  'an',
  'to',
  'of',
  'for',
  'with',
  'my',
  'your',
  'our',
  'their',
  'his',
  'her',
  'is',
  'are',
  'was',
  'were',
  'if',
  'than',
  'in',
  'on',
  'at',
  'from',
  'by',
  'um',
  'uh',
  'er',
  'erm',
  'like',
  'which',
  'who',
  'whose',
  'then',
  'also',
  'plus',
  'into',
  'about',
  'its',
  'i',
  'we',
  'am',
  'will',
  'would',
  'can',
  'could',
  'should',
  'want',
  'need',
  'be',
  'been',
  'being',
  // Hindi (Latin)
  'aur',
  'ki',
  'ke',
  'ka',
  'ko',
  'ya',
  'lekin',
  'kyunki',
  'kyonki',
  'toh',
  'se',
  'mein',
  'me',
  'par',
  'jo',
  'agar',
  'phir',
  'matlab',
  'mera',
  'meri',
  'mere',
  'hamara',
  'hamari',
  'aapka',
  'aapki',
  'yaani',
  'jab',
  // Hindi (Devanagari)
  'और',
  'कि',
  'की',
  'के',
  'का',
  'को',
  'या',
  'लेकिन',
  'क्योंकि',
  'तो',
  'से',
  'में',
  'पर',
  'जो',
  'अगर',
  'फिर',
  'मतलब',
  'मेरा',
  'मेरी',
  'मेरे',
  'हमारा',
  'हमारी',
  'आपका',
  'आपकी',
  'यानी',
  'जब',
]);

/** Words that say a number is being given. */
const NUMBER_CUES = new Set([
  'number',
  'phone',
  'mobile',
  'account',
  'pin',
  'otp',
  'code',
  'card',
  'pincode',
  'nambar',
  'नंबर',
  'नम्बर',
  'मोबाइल',
  'खाता',
  'कोड',
]);

const DIGIT_WORDS = new Set([
  'zero',
  'oh',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'double',
  'triple',
  'shunya',
  'ek',
  'do',
  'teen',
  'char',
  'chaar',
  'paanch',
  'panch',
  'chhe',
  'che',
  'saat',
  'aath',
  'nau',
  'शून्य',
  'एक',
  'दो',
  'तीन',
  'चार',
  'पांच',
  'पाँच',
  'छह',
  'छः',
  'सात',
  'आठ',
  'नौ',
]);

/** Digits a word stands for (a numeral run counts each digit). */
function digitsIn(word: string): number {
  if (/^\d+$/.test(word)) return word.length;
  return DIGIT_WORDS.has(word) ? 1 : 0;
}

/** Phone numbers, accounts and PINs are read out in full: fewer digits than this is half-read. */
const FULL_NUMBER_DIGITS = 10;

/** Endings of a finished request (imperatives, copulas, "please", "thank you"). */
const COMPLETE_LAST = new Set([
  'please',
  'thanks',
  'thank',
  'you',
  'it',
  'me',
  'that',
  'this',
  'now',
  'today',
  'tomorrow',
  'yesterday',
  'hai',
  'hain',
  'tha',
  'thi',
  'chahiye',
  'kya',
  'kijiye',
  'dijiye',
  'karo',
  'karna',
  'hoon',
  'hu',
  'batao',
  'bataiye',
  'bataye',
  'hoga',
  'hogi',
  'sakte',
  'sakta',
  'sakti',
  'na',
  'nahi',
  'nahin',
  'dhanyavad',
  'shukriya',
  'है',
  'हैं',
  'था',
  'थी',
  'थे',
  'चाहिए',
  'क्या',
  'कीजिए',
  'दीजिए',
  'करो',
  'करना',
  'हूँ',
  'हूं',
  'बताइए',
  'बताओ',
  'होगा',
  'होगी',
  'सकते',
  'सकता',
  'सकती',
  'ना',
  'नहीं',
  'धन्यवाद',
  'शुक्रिया',
]);

/** Words a question starts with (English), a question after which the caller waits. */
const QUESTION_START = new Set([
  'what',
  'where',
  'when',
  'why',
  'how',
  'who',
  'which',
  'can',
  'could',
  'do',
  'does',
  'did',
  'is',
  'are',
  'will',
  'would',
  'should',
  'may',
  'kya',
  'kab',
  'kahan',
  'kaise',
  'kitna',
  'kitne',
  'kaun',
  'क्या',
  'कब',
  'कहाँ',
  'कहां',
  'कैसे',
  'कितना',
  'कितने',
  'कौन',
]);

/** The rule judge: English and Hindi, over the words of the transcript so far. */
export class RuleCompleteness implements CompletenessJudge {
  judge(text: string): Completeness {
    const words = normaliseWords(text);
    const last = words.at(-1);
    if (last === undefined) return 'unknown';
    const number = this.numberRead(words);
    if (number === 'half') return 'unfinished';
    if (UNFINISHED_LAST.has(last)) return 'unfinished';
    if (number === 'full') return 'complete';
    if (THANKS.has(last)) return 'complete';
    if (words.length < 2) return 'unknown';
    const trimmed = text.trim();
    if (/[?？]$/.test(trimmed) && words.length >= 3) return 'complete';
    if (COMPLETE_LAST.has(last)) return 'complete';
    if (QUESTION_START.has(words[0]!) && words.length >= 4) return 'complete';
    if (words[0] === 'please' && words.length >= 3) return 'complete';
    return 'unknown';
  }

  /**
   * `half`: a number is being announced ("my number is") or read with fewer digits than a full one;
   * `full`: one was read out in full; null: no number is being given.
   */
  private numberRead(words: string[]): 'half' | 'full' | null {
    const cue = words.findLastIndex((w) => NUMBER_CUES.has(w));
    if (cue < 0) return null;
    const after = words.slice(cue + 1);
    const digitsAt = after.findIndex((w) => isDigitWord(w));
    if (digitsAt < 0) {
      // "my number is", "mera number hai": announced, not given yet. "what is my number": a question.
      if (after.length > 0) return after.every((w) => COPULAS.has(w)) ? 'half' : null;
      const owner = words.slice(Math.max(0, cue - 3), cue).some((w) => POSSESSIVES.has(w));
      return owner && !QUESTION_START.has(words[0]!) ? 'half' : null;
    }
    if (!after.slice(0, digitsAt).every((w) => COPULAS.has(w))) return null;
    const read = after.slice(digitsAt);
    if (!read.every((w) => isDigitWord(w))) return null;
    const digits = read.reduce((n, w) => n + digitsIn(w), 0);
    return digits < FULL_NUMBER_DIGITS ? 'half' : 'full';
  }
}

const THANKS = new Set(['thanks', 'dhanyavad', 'dhanyawad', 'shukriya', 'धन्यवाद', 'शुक्रिया']);
const COPULAS = new Set(['is', 'was', 'hai', 'he', 'है', 'its']);
const POSSESSIVES = new Set(['my', 'our', 'mera', 'meri', 'mere', 'hamara', 'मेरा', 'मेरी', 'मेरे', 'हमारा']);
const isDigitWord = (w: string) => digitsIn(w) > 0 || w === 'double' || w === 'triple';
