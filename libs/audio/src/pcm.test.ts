import { describe, expect, it } from 'vitest';
import { bytesForMs, dbfs, float32ToPcm, msForBytes, pcmToFloat32, pcmToInt16, rms, silence } from './pcm.js';
import { sineTone } from './tone.js';

describe('PCM16 helpers', () => {
  it('views an aligned Buffer as samples without copying', () => {
    const pcm = Buffer.alloc(8);
    const view = pcmToInt16(pcm);
    view[1] = -2;
    expect(pcm.readInt16LE(2)).toBe(-2);
  });

  it('reads a misaligned Buffer correctly by copying', () => {
    const backing = Buffer.alloc(9);
    const pcm = backing.subarray(1);
    pcm.writeInt16LE(1234, 0);
    pcm.writeInt16LE(-5, 6);
    expect(Array.from(pcmToInt16(pcm))).toEqual([1234, 0, 0, -5]);
  });

  it('converts to floats and back without loss', () => {
    const pcm = sineTone(1000, 10, 16000, 0.9);
    expect(float32ToPcm(pcmToFloat32(pcm)).equals(pcm)).toBe(true);
  });

  it('converts durations to bytes and back', () => {
    expect(bytesForMs(20, 8000)).toBe(320);
    expect(msForBytes(640, 16000)).toBe(20);
    expect(silence(100, 16000).byteLength).toBe(3200);
  });

  it('measures the level of a full-scale-half sine at about -9 dBFS', () => {
    const level = rms(sineTone(440, 100, 8000, 0.5));
    expect(level).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(dbfs(sineTone(440, 100, 8000, 0.5))).toBeCloseTo(-9.03, 1);
    expect(dbfs(silence(10, 8000))).toBe(-Infinity);
  });
});
