import { readFile } from 'node:fs/promises';
import { parseWav, pcmToInt16, int16ToPcm, resample } from '@audexly/audio';

/** A caller turn: a WAV file, or PCM16LE mono at a known rate. */
export type CallerAudioInput = string | { pcm: Buffer; sampleRate: number; name?: string };

export interface CallerTurnAudio {
  name: string;
  /** PCM16LE mono at the call rate. */
  pcm: Buffer;
}

/** Loads a turn's audio at the call's rate: WAV parsed, downmixed to mono, resampled if needed. */
export async function loadCallerAudio(input: CallerAudioInput, rate: number): Promise<CallerTurnAudio> {
  if (typeof input !== 'string') {
    const pcm = input.sampleRate === rate ? input.pcm : await resample(input.pcm, input.sampleRate, rate);
    return { name: input.name ?? 'audio', pcm };
  }
  const wav = parseWav(await readFile(input));
  const mono = wav.channels === 1 ? wav.pcm : downmix(wav.pcm, wav.channels);
  const pcm = wav.sampleRate === rate ? mono : await resample(mono, wav.sampleRate, rate);
  return { name: input.split('/').pop() ?? input, pcm };
}

function downmix(pcm: Buffer, channels: number): Buffer {
  const all = pcmToInt16(pcm);
  const frames = Math.floor(all.length / channels);
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += all[i * channels + c]!;
    out[i] = Math.round(sum / channels);
  }
  return int16ToPcm(out);
}
