import { describe, expect, it } from 'vitest';
import { pcmToInt16, rms } from './pcm.js';
import { createStreamingResampler, resample } from './resample.js';
import { sineTone } from './tone.js';

function zeroCrossings(pcm: Buffer): number {
  const s = pcmToInt16(pcm);
  let n = 0;
  for (let i = 1; i < s.length; i++) if (s[i - 1]! < 0 !== s[i]! < 0) n++;
  return n;
}

describe('resample', () => {
  it('keeps a 440 Hz tone at 440 Hz and its level through 8k → 16k → 8k', async () => {
    const tone = sineTone(440, 1000, 8000, 0.5);
    const up = await resample(tone, 8000, 16000);
    expect(Math.abs(up.byteLength / 2 - 16000)).toBeLessThanOrEqual(4);
    // 440 Hz crosses zero 880 times a second whatever the rate.
    expect(Math.abs(zeroCrossings(up) - 880)).toBeLessThanOrEqual(4);
    const down = await resample(up, 16000, 8000);
    expect(Math.abs(down.byteLength / 2 - 8000)).toBeLessThanOrEqual(4);
    expect(Math.abs(zeroCrossings(down) - 880)).toBeLessThanOrEqual(4);
    expect(rms(up)).toBeCloseTo(rms(tone), 2);
    expect(rms(down)).toBeCloseTo(rms(tone), 2);
  });

  it.each([
    [8000, 24000],
    [24000, 8000],
    [22050, 16000],
    [16000, 22050],
    [22050, 8000],
    [24000, 16000],
  ])('converts %i Hz to %i Hz with the right length and pitch', async (from, to) => {
    const out = await resample(sineTone(440, 500, from, 0.5), from, to);
    expect(Math.abs(out.byteLength / 2 - to / 2)).toBeLessThanOrEqual(4);
    expect(Math.abs(zeroCrossings(out) - 440)).toBeLessThanOrEqual(4);
  });

  it('copies audio unchanged when the rates are equal', async () => {
    const tone = sineTone(440, 50, 16000);
    const out = await resample(tone, 16000, 16000);
    expect(out.equals(tone)).toBe(true);
    expect(out.buffer).not.toBe(tone.buffer);
  });

  it('gives the same audio streamed in 20 ms chunks as in one shot', async () => {
    const tone = sineTone(440, 1000, 8000, 0.5);
    const oneShot = pcmToInt16(await resample(tone, 8000, 16000));
    const stream = await createStreamingResampler(8000, 16000);
    const parts: Buffer[] = [];
    for (let i = 0; i < tone.byteLength; i += 321) parts.push(stream.push(tone.subarray(i, i + 321))); // odd sizes split samples
    parts.push(stream.end());
    stream.destroy();
    const streamed = pcmToInt16(Buffer.concat(parts));
    expect(Math.abs(streamed.length - oneShot.length)).toBeLessThanOrEqual(2);
    let worst = 0;
    for (let i = 0; i < Math.min(streamed.length, oneShot.length) - 64; i++) {
      worst = Math.max(worst, Math.abs(streamed[i]! - oneShot[i]!));
    }
    expect(worst / 32768).toBeLessThan(0.01);
  });
});
