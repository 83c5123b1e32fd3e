import { describe, expect, it } from 'vitest';
import { lineNoise } from './line-noise.js';

function dbfs(frame: Buffer): number {
  let sum = 0;
  for (let at = 0; at < frame.byteLength; at += 2) sum += frame.readInt16LE(at) ** 2;
  return 10 * Math.log10(sum / (frame.byteLength / 2) / 32768 ** 2);
}

describe('line noise', () => {
  it('comes at the level asked for, the same for the same seed and different for another', () => {
    for (const level of [-70, -60, -40]) {
      const frame = lineNoise(level, 7)(16000);
      expect(Math.abs(dbfs(frame) - level)).toBeLessThan(0.5);
    }
    expect(lineNoise(-60, 7)(1600).equals(lineNoise(-60, 7)(1600))).toBe(true);
    expect(lineNoise(-60, 7)(1600).equals(lineNoise(-60, 8)(1600))).toBe(false);
  });
});
