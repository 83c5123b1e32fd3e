/**
 * PCM16LE mono helpers. Every Buffer of audio in Audexly is signed 16-bit little-endian mono unless
 * a name says otherwise. Views assume a little-endian host (x86-64, arm64).
 */

/** Bytes per PCM16 sample. */
export const bytesPerSample = 2;

/** A view of PCM16LE bytes as samples; shares memory when the Buffer is 2-byte aligned, copies otherwise. */
export function pcmToInt16(pcm: Buffer): Int16Array {
  const samples = Math.floor(pcm.byteLength / bytesPerSample);
  if (pcm.byteOffset % bytesPerSample === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, samples);
  const copy = new Int16Array(samples);
  for (let i = 0; i < samples; i++) copy[i] = pcm.readInt16LE(i * bytesPerSample);
  return copy;
}

/** A Buffer over the same memory as the samples (no copy). */
export function int16ToPcm(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** PCM16LE → floats in [-1, 1). */
export function pcmToFloat32(pcm: Buffer): Float32Array {
  const ints = pcmToInt16(pcm);
  const out = new Float32Array(ints.length);
  for (let i = 0; i < ints.length; i++) out[i] = ints[i]! / 32768;
  return out;
}

/** Floats in [-1, 1] → PCM16LE, clamped and rounded. */
export function float32ToPcm(samples: Float32Array): Buffer {
  const ints = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    ints[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
  }
  return int16ToPcm(ints);
}

/** Bytes of PCM16 mono that last `ms` at `sampleRate` (whole samples, rounded down). */
export function bytesForMs(ms: number, sampleRate: number): number {
  return Math.floor((ms * sampleRate) / 1000) * bytesPerSample;
}

/** Milliseconds of audio in `bytes` of PCM16 mono at `sampleRate`. */
export function msForBytes(bytes: number, sampleRate: number): number {
  return (Math.floor(bytes / bytesPerSample) * 1000) / sampleRate;
}

/** `ms` of digital silence. */
export function silence(ms: number, sampleRate: number): Buffer {
  return Buffer.alloc(bytesForMs(ms, sampleRate));
}

/** Root mean square of a frame, 0 … 1 (full scale). 0 for an empty frame. */
export function rms(pcm: Buffer): number {
  const ints = pcmToInt16(pcm);
  if (ints.length === 0) return 0;
  let sum = 0;
  for (const s of ints) sum += s * s;
  return Math.sqrt(sum / ints.length) / 32768;
}

/** Level of a frame in dBFS (0 = full scale, -Infinity for digital silence). */
export function dbfs(pcm: Buffer): number {
  const level = rms(pcm);
  return level === 0 ? -Infinity : 20 * Math.log10(level);
}
