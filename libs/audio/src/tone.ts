import { float32ToPcm } from './pcm.js';

/** A sine tone as PCM16LE mono: `ms` long at `sampleRate`, `amplitude` 0 … 1 of full scale. */
export function sineTone(frequencyHz: number, ms: number, sampleRate: number, amplitude = 0.5): Buffer {
  const n = Math.floor((ms * sampleRate) / 1000);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate);
  return float32ToPcm(out);
}
