import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedTicker } from './shared-ticker.js';

describe('shared pacing ticker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs timeouts in due order, at most one tick early, and one interval for all of them', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const ticker = new SharedTicker(5);
    const ran: [string, number][] = [];
    const start = ticker.now();
    ticker.setTimeout(() => ran.push(['b', ticker.now() - start]), 40);
    ticker.setTimeout(() => ran.push(['a', ticker.now() - start]), 12);
    const cancelled = ticker.setTimeout(() => ran.push(['x', ticker.now() - start]), 20);
    ticker.clearTimeout(cancelled);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(ran.map(([n]) => n)).toEqual(['a', 'b']);
    for (const [name, at] of ran) expect(at).toBeGreaterThanOrEqual((name === 'a' ? 12 : 40) - 5);
    for (const [name, at] of ran) expect(at).toBeLessThanOrEqual((name === 'a' ? 12 : 40) + 5);
    // Idle: the interval is gone.
    expect(ticker.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps running the others when one timeout throws', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const errors: unknown[] = [];
    const ticker = new SharedTicker(5, (err) => errors.push(err));
    let ran = false;
    ticker.setTimeout(() => {
      throw new Error('boom');
    }, 5);
    ticker.setTimeout(() => (ran = true), 5);
    vi.advanceTimersByTime(20);
    expect(ran).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
