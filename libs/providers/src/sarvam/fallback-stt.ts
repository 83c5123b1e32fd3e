import { ErrorCode } from '@audexly/protocol';
import { EventQueue } from '../event-queue.js';
import type { SttEvent, SttProvider, SttSession, SttSessionOptions } from '../stt.js';
import { messageOf, upstreamError } from '../upstream-error.js';

/**
 * Uses `primary` (streaming) and, when it fails to open or errors, switches the session to
 * `fallback` (REST) for the rest of the call. Audio of turns not yet transcribed is replayed into
 * the fallback, so no flush goes unanswered.
 */
export class FallbackStt implements SttProvider {
  readonly name: string;
  constructor(
    private readonly primary: SttProvider,
    private readonly fallback: SttProvider,
  ) {
    this.name = `${primary.name}+${fallback.name}`;
  }

  async openSession(options: SttSessionOptions): Promise<SttSession> {
    const session = new FallbackSttSession(this.fallback, options);
    let first: SttSession | null = null;
    try {
      first = await this.primary.openSession(options);
    } catch {
      // The primary could not even start: go straight to the fallback.
    }
    session.start(first);
    return session;
  }
}

class FallbackSttSession implements SttSession {
  private readonly events = new EventQueue<SttEvent>();
  private current: SttSession | null = null;
  private onFallback = false;
  private closed = false;
  /** Audio of the turn being spoken, and of flushed turns still waiting for their final (primary only). */
  private turn: Buffer[] = [];
  private awaiting: Buffer[][] = [];
  private readonly tasks: Promise<void>[] = [];

  constructor(
    private readonly fallback: SttProvider,
    private readonly options: SttSessionOptions,
  ) {}

  start(primary: SttSession | null): void {
    if (primary) this.use(primary);
    else this.tasks.push(this.switchToFallback());
  }

  push(pcm: Buffer): void {
    if (this.closed) return;
    if (!this.onFallback || !this.current) this.turn.push(pcm);
    this.current?.push(pcm);
  }

  flush(): void {
    if (this.closed) return;
    if (!this.onFallback || !this.current) {
      this.awaiting.push(this.turn);
      this.turn = [];
    }
    this.current?.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.current?.close();
    this.events.end(true);
    await Promise.all(this.tasks);
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private use(session: SttSession): void {
    this.current = session;
    this.tasks.push(this.pump(session));
  }

  private async pump(session: SttSession): Promise<void> {
    for await (const event of session) {
      if (this.closed) return;
      if (event.type === 'final') {
        if (!this.onFallback) this.awaiting.shift();
        this.events.push(event);
      } else if (!this.onFallback) {
        await this.switchToFallback();
        return;
      } else {
        this.events.push(event);
        this.events.end();
        return;
      }
    }
  }

  private async switchToFallback(): Promise<void> {
    this.onFallback = true;
    const failed = this.current;
    this.current = null;
    await failed?.close();
    let next: SttSession;
    try {
      next = await this.fallback.openSession(this.options);
    } catch (err) {
      this.events.push({ type: 'error', error: upstreamError(ErrorCode.sttUpstream, `fallback STT failed to open: ${messageOf(err)}`, err) });
      this.events.end();
      return;
    }
    if (this.closed) {
      await next.close();
      return;
    }
    for (const turn of this.awaiting) {
      for (const pcm of turn) next.push(pcm);
      next.flush();
    }
    for (const pcm of this.turn) next.push(pcm);
    this.awaiting = [];
    this.turn = [];
    this.use(next);
  }
}
