import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PacerClock } from './pacer.js';
import { AgentPlayout } from './playout.js';

const clock: PacerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function setup() {
  const out: string[] = [];
  const playout = new AgentPlayout({
    sampleRate: 8000,
    clock,
    sink: {
      media: (pcm, ref) => out.push(`m${ref.turn}.${ref.segment}:${pcm.byteLength}`),
      mark: (name) => out.push(`mark:${name}`),
    },
  });
  return { playout, out };
}

describe('agent playout', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('plays segments one after another even when the next one arrives early, each closed by its mark', () => {
    const { playout, out } = setup();
    playout.audio(0, 0, Buffer.alloc(1600), false);
    playout.audio(0, 1, Buffer.alloc(3200), true); // arrives while segment 0 is still open
    playout.audio(0, 0, Buffer.alloc(100), true);
    vi.advanceTimersByTime(2000);
    expect(out).toEqual(['m0.0:1600', 'm0.0:1600', 'mark:t0s0', 'm0.1:1600', 'm0.1:1600', 'mark:t0s1']);
    expect(playout.markEchoed('t0s0')).toEqual({ turn: 0, segment: 0, audioMs: 200 });
    expect(playout.markEchoed('t0s0')).toBeUndefined();
    expect(playout.markEchoed('unknown-never-sent')).toBeUndefined();
  });

  it('reports the silence heard inside a segment as a gap, and none between segments', () => {
    const gaps: string[] = [];
    const playout = new AgentPlayout({
      sampleRate: 8000,
      clock,
      sink: { media: (_pcm, ref, info) => gaps.push(`${ref.segment}:${info.gapMs}`), mark: () => undefined },
    });
    playout.audio(0, 0, Buffer.alloc(1600), false);
    vi.advanceTimersByTime(300);
    playout.audio(0, 0, Buffer.alloc(1600), true); // the first 100 ms played out 200 ms ago
    vi.advanceTimersByTime(1000);
    playout.audio(0, 1, Buffer.alloc(1600), true); // the next sentence, after a pause
    vi.advanceTimersByTime(1000);
    expect(gaps).toEqual(['0:0', '0:200', '1:0']);
  });

  it('ignores audio of a segment that already ended', () => {
    const { playout, out } = setup();
    playout.audio(1, 0, Buffer.alloc(1600), true);
    vi.advanceTimersByTime(500);
    expect(playout.audio(1, 0, Buffer.alloc(1600), true)).toBe(false);
    vi.advanceTimersByTime(500);
    expect(out).toEqual(['m1.0:1600', 'mark:t1s0']);
  });

  it('an interruption drops queued audio, reports heard segments and ignores the rest of the turn', () => {
    const { playout, out } = setup();
    playout.audio(2, 0, Buffer.alloc(1600), true);
    playout.audio(2, 1, Buffer.alloc(16_000), true);
    vi.advanceTimersByTime(150);
    playout.markEchoed('t2s0');
    expect(playout.isPlaying()).toBe(true);
    const sentBefore = out.length;
    expect(playout.interrupt(null)).toEqual({ turn: 2, heardSegments: [0] });
    vi.advanceTimersByTime(2000);
    expect(out.length).toBe(sentBefore);
    expect(playout.audio(2, 2, Buffer.alloc(1600), true)).toBe(false);
    expect(playout.audio(3, 0, Buffer.alloc(1600), true)).toBe(true);
    expect(out.at(-2)).toBe('m3.0:1600');
  });

  it('restarting a segment sends it again from its first chunk, then the rest of the turn, each mark once', () => {
    const out: string[] = [];
    const playout = new AgentPlayout({
      sampleRate: 8000,
      clock,
      sink: {
        media: (pcm, ref) => out.push(`m${ref.turn}.${ref.segment}#${pcm[0]}`),
        mark: (name) => out.push(`mark:${name}`),
      },
    });
    // Segment 0: four 100 ms chunks marked 1..4; segments 1-4 (all queued behind it, as TTS runs
    // ahead of real time): one chunk each, marked 11..14.
    for (let i = 1; i <= 4; i++) playout.audio(4, 0, Buffer.alloc(1600, i), i === 4);
    for (let s = 1; s <= 4; s++) playout.audio(4, s, Buffer.alloc(1600, 10 + s), true);
    vi.advanceTimersByTime(120);
    playout.pause();
    const sentBeforePause = out.length;
    expect(out).toEqual(['m4.0#1', 'm4.0#2', 'm4.0#3']);
    expect(playout.restartSegment()).toEqual({ turn: 4, segment: 0 });
    vi.advanceTimersByTime(1000);
    expect(out.length).toBe(sentBeforePause); // nothing goes out while paused
    playout.resume();
    vi.advanceTimersByTime(2000);
    expect(out.slice(sentBeforePause)).toEqual([
      'm4.0#1',
      'm4.0#2',
      'm4.0#3',
      'm4.0#4',
      'mark:t4s0',
      ...[1, 2, 3, 4].flatMap((s) => [`m4.${s}#${10 + s}`, `mark:t4s${s}`]),
    ]);
  });

  it('restarting before anything was sent, or after an interruption, restarts nothing', () => {
    const { playout } = setup();
    expect(playout.restartSegment()).toBeNull();
    playout.audio(5, 0, Buffer.alloc(1600), true);
    vi.advanceTimersByTime(50);
    playout.interrupt(null);
    expect(playout.restartSegment()).toBeNull();
  });
});
