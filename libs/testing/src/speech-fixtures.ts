import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseWav } from '@audexly/audio';

/** Recorded human speech: `goforward` says "go forward ten meters" (2.8 s), `numbers` a string of numbers (4 s). */
export type SpeechFixtureName = 'goforward' | 'numbers';

/** Absolute path of a fixture WAV (16-bit mono); works from src and from dist. */
export function speechFixture(name: SpeechFixtureName, rate: 8000 | 16000): string {
  return fileURLToPath(new URL(`../fixtures/speech/${name}-${rate / 1000}k.wav`, import.meta.url));
}

/** A fixture's PCM16LE mono samples and rate. */
export async function loadSpeechFixture(name: SpeechFixtureName, rate: 8000 | 16000): Promise<{ pcm: Buffer; sampleRate: number }> {
  const wav = parseWav(await readFile(speechFixture(name, rate)));
  return { pcm: wav.pcm, sampleRate: wav.sampleRate };
}
