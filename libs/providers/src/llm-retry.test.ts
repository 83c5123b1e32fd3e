import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AudexlyError, ErrorCode } from '@audexly/protocol';
import { withLlmRetry, type LlmAttempt } from './llm-retry.js';

const retryable = new AudexlyError(ErrorCode.llmUpstream, 'HTTP 429', { retryable: true });
const fatal = new AudexlyError(ErrorCode.llmUpstream, 'HTTP 401', { retryable: false });

/** An attempt that gives the scripted results in turn and counts its calls. */
function scripted(...results: LlmAttempt[]): { attempt: () => Promise<LlmAttempt>; calls: () => number } {
  let calls = 0;
  return { attempt: () => Promise.resolve(results[calls++] ?? {}), calls: () => calls };
}

const quiet = { signal: new AbortController().signal, spoke: () => false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LLM retry policy', () => {
  it('makes a call that failed retryably before anything was said again, once, after the delay', async () => {
    const { attempt, calls } = scripted({ error: retryable }, { error: undefined });
    const retries: number[] = [];
    const result = withLlmRetry({ delayMs: 150 }, { ...quiet, onRetry: (_err, retry) => retries.push(retry) }, attempt);
    await vi.advanceTimersByTimeAsync(149);
    expect(calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toEqual({ error: undefined });
    expect(calls()).toBe(2);
    expect(retries).toEqual([1]);
  });

  it('lets a second retryable failure stand (one retry by default)', async () => {
    const { attempt, calls } = scripted({ error: retryable }, { error: retryable }, {});
    const result = withLlmRetry({ delayMs: 10 }, quiet, attempt);
    await vi.advanceTimersByTimeAsync(10);
    expect(await result).toEqual({ error: retryable });
    expect(calls()).toBe(2);
  });

  it('retries as often as the policy says', async () => {
    const { attempt, calls } = scripted({ error: retryable }, { error: retryable }, {});
    const result = withLlmRetry({ delayMs: 10, retries: 2 }, quiet, attempt);
    await vi.advanceTimersByTimeAsync(20);
    expect(await result).toEqual({});
    expect(calls()).toBe(3);
  });

  it('does not retry a failure that is not retryable (a 401)', async () => {
    const { attempt, calls } = scripted({ error: fatal }, {});
    expect(await withLlmRetry({ delayMs: 10 }, quiet, attempt)).toEqual({ error: fatal });
    expect(calls()).toBe(1);
  });

  it('does not retry once the caller heard words of the turn', async () => {
    const { attempt, calls } = scripted({ error: retryable }, {});
    expect(await withLlmRetry({ delayMs: 10 }, { ...quiet, spoke: () => true }, attempt)).toEqual({ error: retryable });
    expect(calls()).toBe(1);
  });

  it('does not retry aborted work', async () => {
    const controller = new AbortController();
    controller.abort();
    const { attempt, calls } = scripted({ error: retryable }, {});
    expect(await withLlmRetry({ delayMs: 10 }, { ...quiet, signal: controller.signal }, attempt)).toEqual({
      error: retryable,
    });
    expect(calls()).toBe(1);
  });

  it('cuts the pause short when the work is aborted during it', async () => {
    const controller = new AbortController();
    const { attempt, calls } = scripted({ error: retryable }, {});
    const result = withLlmRetry({ delayMs: 10_000 }, { ...quiet, signal: controller.signal }, attempt);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    await result;
    expect(calls()).toBe(2);
  });
});
