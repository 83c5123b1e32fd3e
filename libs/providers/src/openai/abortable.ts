/**
 * Settles as `work` does, or rejects with the signal's reason as soon as `signal` aborts.
 *
 * The SDK honours its `signal` during a fetch but not while it waits before a retry (`retry-after`,
 * `retry-after-ms` or its own backoff: a plain `setTimeout`). Without this, an aborted turn or a fired
 * idle timer would wait out a 429's `retry-after` before the provider could end. Once abandoned,
 * `work` is still owned here: a late result is handed to `release` (to close it), and its late
 * rejection — the SDK's `APIUserAbortError` when the wait ends — is expected and dropped.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, release: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(asError(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) release(value);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(err));
      },
    );
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
}
