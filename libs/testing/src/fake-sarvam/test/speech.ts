import { bytesForMs } from '@audexly/audio';
import { fixtureWords, loadSpeechFixture } from '../../speech-fixtures.js';
import type { SpeechFixtureName } from '../../speech-fixtures.js';

/**
 * A recording cut to its words (first word's start to last word's end), so a test decides the
 * silence around it: the recordings themselves have up to 0.8 s of background before and after.
 */
export async function spokenWords(name: SpeechFixtureName, rate: 8000 | 16000): Promise<Buffer> {
  const { pcm } = await loadSpeechFixture(name, rate);
  const { words } = fixtureWords(name);
  return pcm.subarray(bytesForMs(words[0]!.startMs, rate), bytesForMs(words.at(-1)!.endMs, rate));
}

/** What a recording says. */
export function saying(name: SpeechFixtureName): string {
  return fixtureWords(name).text;
}
