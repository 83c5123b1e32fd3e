import type { AudexlyError } from '@audexly/protocol';
import { EventQueue } from '../event-queue.js';
import type { SttEvent, SttProvider, SttSession, SttSessionOptions } from '../stt.js';

/** Chooses the transcript for a flush: `turn` counts flushes across all sessions from 0. */
export type FakeTranscript = (turn: number, audio: Buffer, options: SttSessionOptions) => string | AudexlyError;

/** Scripted STT for unit tests: each flush answers the next scripted transcript. */
export interface FakeSttOptions {
  /** A list consumed in order ('' once it runs out), or a function. An AudexlyError entry fails the session. Default: always 'hello'. */
  transcripts?: Array<string | AudexlyError> | FakeTranscript;
  /** Delay before each final; default 0. */
  latencyMs?: number;
}

/** One opened fake session, for assertions. */
export interface FakeSttSessionRecord {
  options: SttSessionOptions;
  /** Every byte pushed, in order. */
  pushed: Buffer[];
  flushes: number;
  closed: boolean;
}

/** An STT provider that answers from a script and records what it was given. */
export class FakeStt implements SttProvider {
  readonly name = 'fake';
  readonly sessions: FakeSttSessionRecord[] = [];
  private turn = 0;

  constructor(private readonly options: FakeSttOptions = {}) {}

  /** All audio pushed into every session, concatenated. */
  get pushedBytes(): number {
    return this.sessions.reduce((n, s) => n + s.pushed.reduce((m, b) => m + b.byteLength, 0), 0);
  }

  openSession(options: SttSessionOptions): Promise<SttSession> {
    const record: FakeSttSessionRecord = { options, pushed: [], flushes: 0, closed: false };
    this.sessions.push(record);
    return Promise.resolve(
      new FakeSttSession(record, (audio) => this.next(audio, options), this.options.latencyMs ?? 0),
    );
  }

  private next(audio: Buffer, options: SttSessionOptions): string | AudexlyError {
    const turn = this.turn++;
    const script = this.options.transcripts;
    if (script === undefined) return 'hello';
    if (typeof script === 'function') return script(turn, audio, options);
    return script[turn] ?? '';
  }
}

class FakeSttSession implements SttSession {
  private readonly events = new EventQueue<SttEvent>();
  private turn: Buffer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly record: FakeSttSessionRecord,
    private readonly transcribe: (audio: Buffer) => string | AudexlyError,
    private readonly latencyMs: number,
  ) {
    const signal = record.options.signal;
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    if (signal?.aborted) void this.close();
  }

  push(pcm: Buffer): void {
    if (this.record.closed) return;
    this.record.pushed.push(pcm);
    this.turn.push(pcm);
  }

  flush(): void {
    if (this.record.closed) return;
    this.record.flushes++;
    const audio = Buffer.concat(this.turn);
    this.turn = [];
    const result = this.transcribe(audio);
    if (typeof result !== 'string') {
      this.events.push({ type: 'error', error: result });
      this.record.closed = true;
      this.events.end();
      return;
    }
    const event: SttEvent = {
      type: 'final',
      text: result,
      language: this.record.options.language,
      audioSeconds: audio.byteLength / 2 / this.record.options.sampleRate,
      providerMs: this.latencyMs,
    };
    if (this.latencyMs <= 0) {
      this.events.push(event);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.events.push(event);
    }, this.latencyMs);
    this.timers.add(timer);
  }

  close(): Promise<void> {
    this.record.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.events.end(true);
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }
}
