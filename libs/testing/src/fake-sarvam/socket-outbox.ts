import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { sleep } from '../http-io.js';
import type { RequestLogEntry } from './state.js';

/**
 * Everything one fake socket sends, strictly in order: each message or piece of work (an answer's
 * latency, a synthesis) runs after everything queued before it, as one real socket's answers do.
 * What is sent is recorded in the request log.
 */
export class SocketOutbox {
  private tail: Promise<void> = Promise.resolve();
  /** When the last {@link runAfter} work is due (`performance.now()` ms). */
  private lastDue = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly log: RequestLogEntry,
  ) {}

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Queues a message behind everything queued before it. */
  send(message: unknown): void {
    this.run(() => {
      this.sendNow(message);
    });
  }

  /**
   * Queues work behind everything queued before it. A failure goes to `onError`; without one, the
   * fake itself broke, and the socket is closed with 1011 (internal error) so a test sees it.
   */
  run(work: () => void | Promise<void>, onError?: (err: Error) => void): void {
    this.tail = this.tail.then(work).catch((err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      if (onError) onError(error);
      else if (this.isOpen) this.ws.close(1011, `fake Sarvam failed: ${error.message}`.slice(0, 120));
    });
  }

  /**
   * Queues work due `latencyMs` after now, but never before the work queued before it: it runs at
   * max(now + latency, the previous work's due time). Unlike a `sleep(latency)` inside {@link run},
   * delays do not add up when answers are produced faster than the latency (a realtime socket's
   * partials every 100 ms with 150 ms latency): each leaves about `latencyMs` after it was produced.
   */
  runAfter(latencyMs: number, work: () => void | Promise<void>): void {
    const due = Math.max(performance.now() + latencyMs, this.lastDue);
    this.lastDue = due;
    this.run(async () => {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await work();
    });
  }

  /** Sends at once (from queued work); false when the socket is no longer open. */
  sendNow(message: unknown): boolean {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(message));
    this.log.addSent(message);
    return true;
  }

  /** Queues a close with `code`. */
  close(code: number, reason: string): void {
    this.run(() => {
      if (this.isOpen) this.ws.close(code, reason);
    });
  }
}
