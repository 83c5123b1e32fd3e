import type { LlmChunk, LlmProvider, LlmRequest } from '@audexly/providers';

/** What a request asks, without its signal: two requests with the same key get the same answer. */
function requestKey(request: LlmRequest): string {
  const { signal: _signal, ...rest } = request;
  return JSON.stringify(rest);
}

/** Sees a speculation's text while it is only a speculation (until a turn takes it over or it is dropped). */
export interface SpeculationWatcher {
  text(text: string): void;
  /** The stream ended without an error while still a speculation. */
  end(): void;
}

interface Running {
  key: string;
  controller: AbortController;
  chunks: LlmChunk[];
  finished: boolean;
  /** Says once whether a turn's request took it over (true) or it was dropped (false). */
  settle: (taken: boolean) => void;
  error: Error | null;
  /** Wakes a reader waiting for the next chunk. */
  wake: (() => void) | null;
  /** The request's stream, read to its end. */
  done: Promise<void>;
  /** Cleared when a turn takes the request over or it is dropped. */
  watcher: SpeculationWatcher | null;
}

/**
 * Speculative answers (`turn.speculate`). `speculate()` sends a request ahead of time (the caller
 * paused; the turn is not confirmed) and holds what it streams. A later `stream()` asking exactly
 * the same (same messages, model, tools, settings) takes it over: the held chunks at once, then the
 * rest as it comes. Anything else — a different request, `cancel()`, a newer speculation — aborts
 * it, so nothing of it is ever spoken or enters the history unless the same request is made.
 */
export class SpeculativeLlm implements LlmProvider {
  readonly name: string;
  private running: Running | null = null;
  private readonly pending = new Set<Promise<void>>();
  /** Requests sent ahead of time, and how many of them were taken over. */
  readonly counts = { started: 0, used: 0 };

  constructor(private readonly inner: LlmProvider) {
    this.name = inner.name;
  }

  /**
   * Sends `request` now (its signal is ignored; `cancel()` aborts it), replacing any earlier one.
   * Resolves once its stream has ended and its fate is known: true if a turn took it over (even
   * after it had streamed everything), false if it was aborted, replaced or never asked for.
   * `watcher` sees its text until then.
   */
  speculate(request: LlmRequest, callSignal: AbortSignal, watcher: SpeculationWatcher | null = null): Promise<boolean> {
    this.cancel();
    const controller = new AbortController();
    const signal = AbortSignal.any([callSignal, controller.signal]);
    const pump = async (running: Running) => {
      try {
        for await (const chunk of this.inner.stream({ ...request, signal })) {
          running.chunks.push(chunk);
          running.wake?.();
          if (chunk.type === 'text') running.watcher?.text(chunk.text);
        }
        // An aborted stream ends quietly: its last words are no sentence.
        if (!signal.aborted) running.watcher?.end();
      } catch (err) {
        running.error = err instanceof Error ? err : new Error(String(err));
      } finally {
        running.finished = true;
        running.wake?.();
      }
    };
    const running: Running = {
      key: requestKey(request),
      controller,
      chunks: [],
      finished: false,
      settle: () => undefined,
      error: null,
      wake: null,
      done: Promise.resolve(),
      watcher,
    };
    const settled = new Promise<boolean>((resolve) => (running.settle = resolve));
    running.done = pump(running);
    this.pending.add(running.done);
    void running.done.finally(() => this.pending.delete(running.done));
    this.running = running;
    this.counts.started++;
    return Promise.all([running.done, settled]).then(([, taken]) => taken);
  }

  /** Aborts what is running and waits for every request sent ahead to end. */
  async close(): Promise<void> {
    this.cancel();
    await Promise.all([...this.pending]);
  }

  /** The caller spoke on (or the speculation is stale): abort it. */
  cancel(): void {
    if (this.running) this.running.watcher = null;
    this.running?.controller.abort();
    this.running?.settle(false);
    this.running = null;
  }

  stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    const running = this.running;
    this.running = null;
    if (running) running.watcher = null;
    if (!running || running.key !== requestKey(request) || running.controller.signal.aborted) {
      running?.controller.abort();
      running?.settle(false);
      return this.inner.stream(request);
    }
    this.counts.used++;
    running.settle(true);
    const onAbort = () => running.controller.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) running.controller.abort();
    return (async function* () {
      try {
        for (let next = 0; ;) {
          if (next < running.chunks.length) {
            yield running.chunks[next++]!;
            continue;
          }
          if (running.finished) break;
          await new Promise<void>((resolve) => (running.wake = resolve));
          running.wake = null;
        }
        if (running.error && !running.controller.signal.aborted) throw running.error;
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
      }
    })();
  }
}
