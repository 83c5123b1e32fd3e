import { describe, expect, it } from 'vitest';
import { CallerAudio, SequenceTracker, type CallerFrame } from './caller-audio.js';

describe('caller audio', () => {
  it('holds audio until the call is live, then publishes it in order with sample-accurate timeline positions', () => {
    const published: CallerFrame[] = [];
    const audio = new CallerAudio(16000, 10_000, (f) => published.push(f));
    audio.push(Buffer.alloc(3200, 1)); // 100 ms
    audio.push(Buffer.alloc(320, 2)); // 10 ms
    expect(published).toEqual([]);
    audio.goLive();
    audio.push(Buffer.alloc(640, 3));
    expect(published.map((f) => [f.pcm[0], f.timelineMs])).toEqual([
      [1, 0],
      [2, 100],
      [3, 110],
    ]);
  });

  it('keeps only the newest audio while held, within its bound', () => {
    const published: CallerFrame[] = [];
    const audio = new CallerAudio(8000, 200, (f) => published.push(f));
    for (let i = 0; i < 5; i++) audio.push(Buffer.alloc(1600, i + 1));
    audio.goLive();
    expect(published.map((f) => f.pcm[0])).toEqual([4, 5]);
    expect(published.map((f) => f.timelineMs)).toEqual([300, 400]);
    expect(audio.droppedWhileHeld).toBe(3);
  });
});

describe('sequence tracking', () => {
  it('counts gaps as lost frames and regressions as reordered', () => {
    const seq = new SequenceTracker();
    expect(seq.observe(1)).toEqual({ lost: 0, reordered: false });
    expect(seq.observe(2)).toEqual({ lost: 0, reordered: false });
    expect(seq.observe(5)).toEqual({ lost: 2, reordered: false });
    expect(seq.observe(4)).toEqual({ lost: 0, reordered: true });
    expect(seq.observe(null)).toEqual({ lost: 0, reordered: false });
    expect(seq.lost).toBe(2);
    expect(seq.reordered).toBe(1);
  });
});
