import { describe, expect, it } from 'vitest';
import { StereoTimeline, TimelineTrack } from './stereo-timeline.js';

/** PCM16LE of the given sample values. */
function pcm(...samples: number[]): Uint8Array {
  return new Uint8Array(Int16Array.from(samples).buffer);
}
function samplesOf(buf: Buffer): number[] {
  return Array.from(new Int16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2));
}

describe('stereo timeline', () => {
  it('places each chunk at timelineMs * rate / 1000 in its channel, with silence in the gaps', () => {
    const t = new StereoTimeline(8000, 60_000);
    t.place('caller', 1, pcm(1, 2, 3)); // sample 8
    t.place('agent', 2, pcm(-4, -5)); // sample 16
    t.place('caller', 0, pcm(9)); // sample 0
    const { left, right } = t.channels();
    expect(samplesOf(left)).toEqual([9, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
    expect(samplesOf(right)).toEqual([...Array<number>(16).fill(0), -4, -5]);
    expect(t.frames).toBe(18);
    expect(t.durationMs).toBe(18 / 8);
  });

  it('rounds fractional positions to the nearest sample and uses the call rate', () => {
    const t = new StereoTimeline(16000, 60_000);
    t.place('agent', 0.1, pcm(7)); // 1.6 samples → 2
    expect(samplesOf(t.channels().right)).toEqual([0, 0, 7]);
  });

  it('lets later audio overwrite what overlaps it on the same channel only', () => {
    const t = new StereoTimeline(8000, 60_000);
    t.place('agent', 0, pcm(1, 1, 1, 1));
    t.place('agent', 0.25, pcm(5, 5)); // sample 2
    t.place('caller', 0, pcm(3));
    expect(samplesOf(t.channels().right)).toEqual([1, 1, 5, 5]);
    expect(samplesOf(t.channels().left)).toEqual([3]);
  });

  it('keeps every sample of a long call arriving in many small chunks', () => {
    const t = new StereoTimeline(8000, 60 * 60_000);
    const chunk = Int16Array.from({ length: 800 }, (_, i) => i); // 100 ms
    for (let n = 0; n < 3000; n++) t.place('caller', n * 100, new Uint8Array(chunk.buffer)); // 5 minutes
    const left = samplesOf(t.channels().left);
    expect(left).toHaveLength(3000 * 800);
    expect(left[2999 * 800 + 799]).toBe(799);
    expect(left[1234 * 800 + 5]).toBe(5);
  });
});

describe('timeline track', () => {
  it('drops samples before timeline 0 and past its limit, and reports how many', () => {
    const track = new TimelineTrack(5);
    expect(track.write(-2, Int16Array.from([1, 2, 3, 4]))).toBe(2);
    expect(track.write(3, Int16Array.from([7, 8, 9]))).toBe(1);
    expect(samplesOf(track.pcm())).toEqual([3, 4, 0, 7, 8]);
    expect(track.write(10, Int16Array.from([1]))).toBe(1);
    expect(track.length).toBe(5);
  });
});
