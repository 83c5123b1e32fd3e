import { seededRandom } from '@audexly/testing';

/**
 * Seeded white noise at a level (dBFS, RMS; full-scale sine ≈ -3 dBFS), as PCM16LE frames: what an
 * idle telephone line carries between a caller's words. The same seed gives the same noise.
 */
export function lineNoise(dbfs: number, seed: number): (bytes: number) => Buffer {
  const random = seededRandom(seed);
  // Uniform noise in [-a, a] has an RMS of a / √3.
  const amplitude = Math.sqrt(3) * 32768 * 10 ** (dbfs / 20);
  return (bytes) => {
    const frame = Buffer.alloc(bytes);
    for (let at = 0; at + 1 < bytes; at += 2) frame.writeInt16LE(Math.round((random() * 2 - 1) * amplitude), at);
    return frame;
  };
}
