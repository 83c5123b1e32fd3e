/**
 * The apology a caller hears when no instance of a stage can take the call: no TTS is available
 * then, so it is a recording (`assets/no-capacity-8k.wav`, the default `phrases.noCapacity`
 * spoken once by espeak-ng) resampled to each call rate at startup.
 */
import { readFile } from 'node:fs/promises';
import { parseWav, resample } from '@audexly/audio';
import { SAMPLE_RATES, type SampleRate } from '@audexly/protocol';

export const NO_CAPACITY_WAV = new URL('../assets/no-capacity-8k.wav', import.meta.url);

/** PCM16LE mono of the apology at every supported rate. */
export async function loadNoCapacityAudio(
  file: URL | string = NO_CAPACITY_WAV,
): Promise<ReadonlyMap<SampleRate, Buffer>> {
  const wav = parseWav(await readFile(file));
  const entries = await Promise.all(
    SAMPLE_RATES.map(
      async (rate) =>
        [rate, rate === wav.sampleRate ? wav.pcm : await resample(wav.pcm, wav.sampleRate, rate)] as const,
    ),
  );
  return new Map(entries);
}
