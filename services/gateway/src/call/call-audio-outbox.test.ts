import { describe, expect, it } from 'vitest';
import { CallAudioOutbox, type AudioLink } from './call-audio-outbox.js';

/** An outbox on a hand-driven clock and link; `sent` lists the sequence numbers that went out. */
function setup(options: { maxHeldMs?: number; replayMs?: number } = {}) {
  let now = 0;
  let link: AudioLink = { connected: true, downSince: null, upSince: null };
  let consumersBack = false;
  const sent: number[] = [];
  const outbox = new CallAudioOutbox({
    link: () => link,
    consumersBack: () => consumersBack,
    send: (_subject, _pcm, headers) => sent.push(headers['Audexly-Seq']!),
    now: () => now,
    bytesPerMs: 16,
    ...options,
  });
  let seq = 0;
  /** One 100 ms frame of caller audio, 100 ms after the last. */
  const frame = () => {
    outbox.publish('call.x.audio.in', Buffer.alloc(1600), { 'Audexly-Seq': seq++ });
    now += 100;
  };
  return {
    outbox,
    sent,
    frame,
    down: () => (link = { connected: false, downSince: now, upSince: link.upSince }),
    up: () => (link = { connected: true, downSince: link.downSince, upSince: now }),
    consumers: (back: boolean) => (consumersBack = back),
  };
}

describe('CallAudioOutbox: caller audio through a NATS outage', () => {
  it('sends at once while the connection is up', () => {
    const t = setup();
    for (let i = 0; i < 5; i++) t.frame();
    expect(t.sent).toEqual([0, 1, 2, 3, 4]);
  });

  it('holds audio during the outage, then sends what may have died in flight and everything held, in order', () => {
    const t = setup({ replayMs: 300 });
    for (let i = 0; i < 10; i++) t.frame(); // 0..9, the last 300 ms are 7, 8, 9
    t.down();
    for (let i = 0; i < 15; i++) t.frame(); // 10..24 held
    expect(t.sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    t.up();
    t.frame(); // 25: back, but the call's STT instance has not been heard yet
    expect(t.sent).toHaveLength(10);
    t.consumers(true);
    t.frame(); // 26
    expect(t.sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 8, 9, ...Array.from({ length: 17 }, (_, i) => 10 + i)]);
    t.frame();
    expect(t.sent.at(-1)).toBe(27);
    expect(t.outbox.gapMs('call.x.audio.in')).toBe(0);
  });

  it('sends again the frames a consumer saw missing, from the last `replayMs` only', () => {
    const t = setup({ replayMs: 300 });
    for (let i = 0; i < 10; i++) t.frame(); // 0..9; the last 300 ms are 7, 8, 9
    expect(t.outbox.resend('call.x.audio.in', 8, 9)).toBe(2);
    expect(t.outbox.resend('call.x.audio.in', 2, 3)).toBe(0); // older than replayMs: gone
    expect(t.outbox.resend('call.x.audio.out', 8, 9)).toBe(0); // another subject
    expect(t.sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 8, 9]);
  });

  it('goes on without the consumers after the recovery timeout', () => {
    const t = setup();
    t.frame();
    t.down();
    t.frame();
    t.up();
    for (let i = 0; i < 50; i++) t.frame(); // 2..51, over 4.9 s after the reconnect
    expect(t.sent).toEqual([0]);
    t.frame(); // 52, 5 s after the reconnect: everything goes
    expect(t.sent).toEqual([0, 0, ...Array.from({ length: 52 }, (_, i) => 1 + i)]);
  });

  it('drops the oldest held audio past the hold limit and counts the gap', () => {
    const t = setup({ maxHeldMs: 1000, replayMs: 0 });
    t.down();
    for (let i = 0; i < 25; i++) t.frame(); // 2.5 s held, 1.5 s of it dropped
    t.up();
    t.consumers(true);
    t.frame();
    expect(t.sent).toEqual(Array.from({ length: 10 }, (_, i) => 16 + i));
    expect(t.outbox.gapMs('call.x.audio.in')).toBe(1600);
  });

  it('sends what it holds when the call ends, even with the connection still down', () => {
    const t = setup({ replayMs: 0 });
    t.down();
    t.frame();
    t.frame();
    t.outbox.flushAll();
    expect(t.sent).toEqual([0, 1]);
    expect(t.outbox.isHolding).toBe(false);
  });
});
