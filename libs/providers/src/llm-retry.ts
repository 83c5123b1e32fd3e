import { delay, type AudexlyError } from '@audexly/protocol';

/**
 * The LLM stage's retry policy, part of its provider contract (beside `LlmProvider`): a
 * model call that failed retryably (the provider's `AudexlyError.retryable`: 408, 429, 5xx, a
 * network failure, an idle stream) before anything of the turn reached the caller is made again
 * after `delayMs`, at most `retries` times. Once the caller has heard words of the turn, a retry
 * would repeat or contradict them: the failure stands. Aborted work (newer input, the call's end)
 * is never retried.
 */
export interface LlmRetryPolicy {
  /** Pause before a retry (cut short when the work is aborted). */
  delayMs: number;
  /** Retries after the first attempt; 1 by default. */
  retries?: number;
}

/** One attempt's result: `error` is set when it failed. */
export interface LlmAttempt {
  error?: AudexlyError | undefined;
}

export interface LlmRetryContext {
  signal: AbortSignal;
  /** Whether anything of the turn has reached the caller (its earlier model rounds included). */
  spoke(): boolean;
  /** Told before each retry (a log line). */
  onRetry?(error: AudexlyError, retry: number): void;
}

/** Runs `attempt`, and again per the policy while it fails (see {@link LlmRetryPolicy}); returns the last result. */
export async function withLlmRetry<T extends LlmAttempt>(
  policy: LlmRetryPolicy,
  context: LlmRetryContext,
  attempt: () => Promise<T>,
): Promise<T> {
  const retries = policy.retries ?? 1;
  for (let retry = 1; ; retry++) {
    const result = await attempt();
    const error = result.error;
    if (!error?.retryable || retry > retries || context.spoke() || context.signal.aborted) return result;
    context.onRetry?.(error, retry);
    await delay(policy.delayMs, context.signal);
  }
}
