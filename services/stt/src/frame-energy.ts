/** Level of PCM16 samples in dBFS (full-scale sine ≈ -3 dBFS); digital silence gives -Infinity. */
export function dbfsOfSamples(samples: Int16Array): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    sum += v * v;
  }
  return 10 * Math.log10(sum / samples.length / (32768 * 32768));
}
