import { ErrorCode, type AudexlyError } from '@audexly/protocol';
import { EventQueue } from './event-queue.js';
import type { SttEvent, SttProvider, SttSession, SttSessionOptions } from './stt.js';
import { messageOf, upstreamError } from './upstream-error.js';

export interface FallbackSttOptions {
  /**
   * A flushed utterance whose primary transcript has not come back this long after the flush is
   * transcribed by the fallback instead (its audio is kept until answered); default 2500 ms.
   */
  flushTimeoutMs?: number;
  /** After this many primary failures (errors, refused opens, timeouts) a session stays on the fallback; default 3. */
  maxPrimaryFailures?: number;
}

/**
 * The STT stage's fallback, part of its provider contract: any two providers, typically a streaming
 * `primary` (Sarvam's socket) and a `fallback` that transcribes whole utterances (Sarvam REST),
 * chosen per utterance. Each utterance's audio is kept until its transcript is out. When the
 * primary fails (cannot open, errors, closes mid-utterance) or does not answer a flush within
 * `flushTimeoutMs`, the utterances it still owed are transcribed by the fallback, and a fresh
 * primary session is opened for the next utterance (audio already spoken in it is replayed), up
 * to `maxPrimaryFailures` times per session. Transcripts come out in flush order, whichever
 * provider produced them. A failed primary's text for an utterance it had not finished is
 * discarded with it and the whole utterance is transcribed again from the kept audio, so each word
 * is transcribed once. A fallback error ends the session with that error.
 */
export class FallbackStt implements SttProvider {
  readonly name: string;
  /** As the primary's: the fallback only transcribes what the primary owed. */
  readonly interimTranscripts: boolean;
  constructor(
    private readonly primary: SttProvider,
    private readonly fallback: SttProvider,
    private readonly options: FallbackSttOptions = {},
  ) {
    this.name = `${primary.name}+${fallback.name}`;
    this.interimTranscripts = primary.interimTranscripts === true;
  }

  async openSession(options: SttSessionOptions): Promise<SttSession> {
    const session = new FallbackSttSession(this.primary, this.fallback, options, {
      flushTimeoutMs: this.options.flushTimeoutMs ?? 2500,
      maxPrimaryFailures: this.options.maxPrimaryFailures ?? 3,
    });
    let first: SttSession | null = null;
    try {
      first = await this.primary.openSession(options);
    } catch {
      // Counted as a primary failure below; utterances go to the fallback.
    }
    session.start(first);
    return session;
  }
}

/** One flushed utterance, until its transcript (or error) has been emitted. */
interface Utterance {
  audio: Buffer[];
  result: SttEvent | null;
  timer: NodeJS.Timeout | null;
}

class FallbackSttSession implements SttSession {
  private readonly events = new EventQueue<SttEvent>();
  private primary: SttSession | null = null;
  private primaryOpening = false;
  private primaryFailures = 0;
  private rest: SttSession | null = null;
  /** Serialises work on the fallback session so its utterances are flushed in order. */
  private restChain: Promise<void> = Promise.resolve();
  private closed = false;
  /** The session failed (error event sent); nothing more is accepted until close(). */
  private ended = false;
  /** Audio of the utterance being spoken. */
  private current: Buffer[] = [];
  /** Flushed utterances not yet emitted, in flush order. */
  private utterances: Utterance[] = [];
  /** Utterances flushed to the primary / the fallback whose answer is due, in each one's flush order. */
  private primaryOwes: Utterance[] = [];
  /** Utterances that ended while a fresh primary was opening: they go to it (or to the fallback). */
  private awaitingPrimary: Utterance[] = [];
  private restOwes: Utterance[] = [];
  private readonly tasks: Promise<void>[] = [];

  constructor(
    private readonly primaryProvider: SttProvider,
    private readonly fallback: SttProvider,
    private readonly options: SttSessionOptions,
    private readonly tuning: { flushTimeoutMs: number; maxPrimaryFailures: number },
  ) {}

  start(first: SttSession | null): void {
    if (first) this.usePrimary(first);
    else this.primaryFailures++;
  }

  push(pcm: Buffer): void {
    if (this.closed || this.ended) return;
    this.current.push(pcm);
    if (this.primary) this.primary.push(pcm);
    else this.reopenPrimary();
  }

  flush(): void {
    if (this.closed || this.ended) return;
    const utterance: Utterance = { audio: this.current, result: null, timer: null };
    this.current = [];
    this.utterances.push(utterance);
    if (this.primary) this.flushToPrimary(this.primary, utterance);
    else if (this.primaryOpening) this.awaitingPrimary.push(utterance);
    else this.toFallback(utterance);
  }

  private flushToPrimary(primary: SttSession, utterance: Utterance): void {
    this.primaryOwes.push(utterance);
    utterance.timer = setTimeout(() => this.primaryFailed(primary), this.tuning.flushTimeoutMs);
    primary.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.utterances) if (u.timer) clearTimeout(u.timer);
    const primary = this.primary;
    this.primary = null;
    await primary?.close();
    await this.restChain;
    await this.rest?.close();
    this.events.end(true);
    await Promise.all(this.tasks);
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private usePrimary(session: SttSession): void {
    this.primary = session;
    this.tasks.push(this.pumpPrimary(session));
  }

  /** Opens a new primary session in the background, while the primary may still be tried. */
  private reopenPrimary(): void {
    if (this.ended || this.primaryOpening || this.primary || this.primaryFailures >= this.tuning.maxPrimaryFailures)
      return;
    this.primaryOpening = true;
    this.tasks.push(this.openPrimary());
  }

  private async openPrimary(): Promise<void> {
    let session: SttSession | null = null;
    try {
      session = await this.primaryProvider.openSession(this.options);
    } catch {
      this.primaryFailures++;
    }
    this.primaryOpening = false;
    const waiting = this.awaitingPrimary;
    this.awaitingPrimary = [];
    if (!session || this.closed || this.ended) {
      for (const u of waiting) this.toFallback(u);
      await session?.close();
      return;
    }
    this.usePrimary(session);
    // Audio spoken while it opened went nowhere yet: replay it.
    for (const u of waiting) {
      for (const pcm of u.audio) session.push(pcm);
      this.flushToPrimary(session, u);
    }
    for (const pcm of this.current) session.push(pcm);
  }

  private async pumpPrimary(session: SttSession): Promise<void> {
    for await (const event of session) {
      if (this.closed || this.ended || this.primary !== session) return;
      if (event.type === 'error') {
        this.primaryFailed(session);
        return;
      }
      if (event.type === 'unplaced' || event.type === 'partial') {
        this.events.push(event);
        continue;
      }
      const owed = this.primaryOwes.shift();
      if (owed) this.resolve(owed, event);
    }
  }

  /** The primary failed or stalled: what it owes goes to the fallback; the next utterance tries a fresh primary. */
  private primaryFailed(session: SttSession): void {
    if (this.closed || this.ended || this.primary !== session) return;
    this.primary = null;
    this.primaryFailures++;
    this.tasks.push(session.close());
    const owed = this.primaryOwes;
    this.primaryOwes = [];
    for (const u of owed) {
      if (u.timer) clearTimeout(u.timer);
      u.timer = null;
      if (!u.result) this.toFallback(u);
    }
    if (this.current.length > 0) this.reopenPrimary();
  }

  private toFallback(utterance: Utterance): void {
    this.restChain = this.restChain.then(async () => {
      if (this.closed || this.ended) return;
      const rest = await this.restSession();
      if (!rest) return;
      this.restOwes.push(utterance);
      for (const pcm of utterance.audio) rest.push(pcm);
      rest.flush();
    });
  }

  private async restSession(): Promise<SttSession | null> {
    if (this.rest) return this.rest;
    try {
      this.rest = await this.fallback.openSession(this.options);
    } catch (err) {
      this.failAll(upstreamError(ErrorCode.sttUpstream, `fallback STT failed to open: ${messageOf(err)}`, err));
      return null;
    }
    this.tasks.push(this.pumpRest(this.rest));
    return this.rest;
  }

  private async pumpRest(session: SttSession): Promise<void> {
    for await (const event of session) {
      if (this.closed || this.ended) return;
      if (event.type === 'error') {
        this.failAll(event.error);
        return;
      }
      if (event.type === 'unplaced') {
        this.events.push(event);
        continue;
      }
      const owed = this.restOwes.shift();
      if (owed) this.resolve(owed, event);
    }
  }

  private resolve(utterance: Utterance, event: SttEvent): void {
    if (utterance.timer) clearTimeout(utterance.timer);
    utterance.timer = null;
    utterance.result = event;
    while (this.utterances[0]?.result) this.events.push(this.utterances.shift()!.result!);
  }

  /** The fallback failed too: the session ends with the error (transcripts already due come first). */
  private failAll(error: AudexlyError): void {
    for (const u of this.utterances) if (u.timer) clearTimeout(u.timer);
    while (this.utterances[0]?.result) this.events.push(this.utterances.shift()!.result!);
    this.utterances = [];
    this.primaryOwes = [];
    this.restOwes = [];
    this.events.push({ type: 'error', error });
    this.events.end();
    this.ended = true;
  }
}
