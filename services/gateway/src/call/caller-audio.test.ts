import { describe, expect, it } from 'vitest';
import { callEndedSchema, PROTOCOL_VERSION } from '@audexly/protocol';
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
    expect(seq.observe(1)).toEqual({ lost: 0, reordered: false, anomaly: false });
    expect(seq.observe(2)).toEqual({ lost: 0, reordered: false, anomaly: false });
    expect(seq.observe(5)).toEqual({ lost: 2, reordered: false, anomaly: false });
    expect(seq.observe(4)).toEqual({ lost: 0, reordered: true, anomaly: false });
    expect(seq.observe(null)).toEqual({ lost: 0, reordered: false, anomaly: false });
    expect(seq.lost).toBe(2);
    expect(seq.reordered).toBe(1);
  });

  it('counts absurd sequence numbers as anomalies, not as billions of lost frames, so call.ended stays valid', () => {
    const seq = new SequenceTracker(() => 0);
    seq.observe(1);
    // The reported attack: a gap no call could have, then a number past the safe integers.
    expect(seq.observe(9007199254740990)).toEqual({ lost: 0, reordered: false, anomaly: true });
    // (9007199254740999 as Exotel sends it: JSON parsing rounds it to 2^53 + 8.)
    expect(seq.observe(Number('9007199254740999'))).toEqual({ lost: 0, reordered: false, anomaly: true });
    for (const bad of [-5, 2.5, Number.MAX_SAFE_INTEGER + 2]) expect(seq.observe(bad).anomaly).toBe(true);
    expect(seq.observe(2)).toEqual({ lost: 0, reordered: false, anomaly: false });
    expect(seq).toMatchObject({ lost: 0, reordered: 0, anomalies: 5 });
    const ended = {
      type: 'call.ended',
      v: PROTOCOL_VERSION,
      callId: 'c',
      timelineMs: 1,
      reason: 'caller-hangup',
      durationMs: 1,
    } as const;
    expect(
      callEndedSchema.safeParse({
        ...ended,
        lostFrames: seq.lost,
        reorderedFrames: seq.reordered,
        sequenceAnomalies: seq.anomalies,
      }).success,
    ).toBe(true);
  });

  it('believes a gap only as far as the time since the first frame allows', () => {
    let now = 0;
    const seq = new SequenceTracker(() => now);
    seq.observe(1);
    // At the start a burst of up to 100 missing events is believable…
    expect(seq.observe(80)).toMatchObject({ lost: 78, anomaly: false });
    // …but not a thousand frames in no time.
    expect(seq.observe(1080)).toMatchObject({ lost: 0, anomaly: true });
    // Ten seconds later the stream can have moved on by a thousand events.
    now = 10_000;
    expect(seq.observe(1080)).toMatchObject({ lost: 999, anomaly: false });
    expect(seq.lost).toBe(78 + 999);
    // Whatever is sent, the lost count never exceeds what the call's duration allows.
    for (let i = 0; i < 1000; i++) seq.observe(Math.floor(Number.MAX_SAFE_INTEGER / (i + 1)));
    expect(seq.lost).toBeLessThanOrEqual(100 + now / 10);
    expect(Number.isSafeInteger(seq.lost)).toBe(true);
  });
});
