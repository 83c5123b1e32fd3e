import { describe, expect, it } from 'vitest';
import { delay, settledWithin, withTimeout } from './async.js';

const never = new Promise<never>(() => undefined);

describe('waiting with a bound', () => {
  it('delay ends early, quietly, when its signal aborts, and at once when it was aborted already', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = delay(10_000, controller.signal);
    controller.abort();
    await waiting;
    await delay(10_000, controller.signal);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('withTimeout settles like its promise, or rejects when the time is up first', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('no')), 1000)).rejects.toThrow('no');
    await expect(withTimeout(never, 10)).rejects.toThrow('timed out after 10 ms');
  });

  it('settledWithin says whether the work settled either way in time', async () => {
    expect(await settledWithin(Promise.resolve(), 1000)).toBe(true);
    expect(await settledWithin(Promise.reject(new Error('failed')), 1000)).toBe(true);
    expect(await settledWithin(never, 10)).toBe(false);
  });
});
