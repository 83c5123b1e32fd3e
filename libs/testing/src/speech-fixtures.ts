import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseWav } from '@audexly/audio';

/**
 * Thirteen recordings of human speech (fixtures/speech/README.md): CMU Sphinx test data, 8 and
 * 16 kHz. Each has a word track (what is said, and when) from a forced alignment.
 */
export const SPEECH_FIXTURES = [
  'goforward',
  'numbers',
  'something',
  'cards-001',
  'cards-002',
  'cards-003',
  'cards-004',
  'cards-005',
  'librivox-0870',
  'librivox-0880',
  'librivox-0890',
  'librivox-0920',
  'librivox-0930',
] as const;
export type SpeechFixtureName = (typeof SPEECH_FIXTURES)[number];

/** One spoken word of a fixture and where it sits in the recording (ms from its start). */
export interface FixtureWord {
  word: string;
  startMs: number;
  endMs: number;
}

/** What a fixture says: the whole text and its words in order. */
export interface FixtureWords {
  text: string;
  words: FixtureWord[];
}

/** Absolute path of a fixture WAV (16-bit mono); works from src and from dist. */
export function speechFixture(name: SpeechFixtureName, rate: 8000 | 16000): string {
  return fileURLToPath(new URL(`../fixtures/speech/${name}-${rate / 1000}k.wav`, import.meta.url));
}

/** A fixture's PCM16LE mono samples and rate. */
export async function loadSpeechFixture(
  name: SpeechFixtureName,
  rate: 8000 | 16000,
): Promise<{ pcm: Buffer; sampleRate: number }> {
  const wav = parseWav(await readFile(speechFixture(name, rate)));
  return { pcm: wav.pcm, sampleRate: wav.sampleRate };
}

let wordTracks: Record<string, { text: string; words: [string, number, number][] }> | null = null;

/** The words a fixture says, with their times (from `fixtures/speech/words.json`). */
export function fixtureWords(name: SpeechFixtureName): FixtureWords {
  wordTracks ??= JSON.parse(
    readFileSync(fileURLToPath(new URL('../fixtures/speech/words.json', import.meta.url)), 'utf8'),
  ) as typeof wordTracks;
  const track = wordTracks![name];
  if (!track) throw new Error(`no word track for speech fixture ${name}`);
  return { text: track.text, words: track.words.map(([word, startMs, endMs]) => ({ word, startMs, endMs })) };
}
