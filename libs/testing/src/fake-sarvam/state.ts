import type { FakeSarvamOptions, SarvamEndpoint, SarvamFailure, SarvamRequestLog, SentTranscript } from './types.js';
import { defaultTranscript, fakeSarvamDefaults } from './types.js';

type LogStart = Pick<SarvamRequestLog, 'endpoint' | 'path' | 'headers' | 'apiKey' | 'params'>;

/** One request's log entry; the fake appends to it, tests read it as a {@link SarvamRequestLog}. */
export class RequestLogEntry implements SarvamRequestLog {
  readonly endpoint: SarvamEndpoint;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly apiKey: string | null;
  params: Record<string, unknown>;
  status: number | null = null;
  readonly texts: string[] = [];
  readonly messages: unknown[] = [];
  readonly sent: unknown[] = [];
  readonly transcriptsSent: SentTranscript[] = [];
  closed = false;
  /** Audio pieces, joined lazily: a long call appends thousands of chunks. */
  private readonly audioPieces: Buffer[] = [];

  /** `keepPayloads: false` keeps no audio and no messages (a load run's log). */
  constructor(
    start: LogStart,
    private readonly keepPayloads = true,
  ) {
    this.endpoint = start.endpoint;
    this.path = start.path;
    this.headers = start.headers;
    this.apiKey = start.apiKey;
    this.params = start.params;
  }

  get audio(): Buffer {
    if (this.audioPieces.length !== 1) {
      const joined = Buffer.concat(this.audioPieces);
      this.audioPieces.splice(0, this.audioPieces.length, joined);
    }
    return this.audioPieces[0] ?? Buffer.alloc(0);
  }

  addAudio(pcm: Buffer): void {
    if (this.keepPayloads && pcm.byteLength > 0) this.audioPieces.push(pcm);
  }

  /** A message the client sent. */
  addMessage(message: unknown): void {
    if (this.keepPayloads) this.messages.push(message);
  }

  /** A message the fake sent. */
  addSent(message: unknown): void {
    if (this.keepPayloads) this.sent.push(message);
  }
}

/** Shared state of one fake Sarvam server: its options, scripted failures, transcript queue and request log. */
export class FakeSarvamState {
  readonly requests: SarvamRequestLog[] = [];
  private readonly failures: SarvamFailure[] = [];
  private readonly queue: string[];
  private ids = 0;

  constructor(readonly options: FakeSarvamOptions) {
    this.queue = Array.isArray(options.transcripts) ? [...options.transcripts] : [];
  }

  get apiKey(): string {
    return this.options.apiKey ?? fakeSarvamDefaults.apiKey;
  }

  inject(failure: SarvamFailure): void {
    this.failures.push(failure);
  }

  /** Removes and returns the next failure scripted for this endpoint. */
  takeFailure(endpoint: SarvamEndpoint): SarvamFailure | undefined {
    const i = this.failures.findIndex((f) => f.on === endpoint);
    return i < 0 ? undefined : this.failures.splice(i, 1)[0];
  }

  /** The transcript of audio that held speech: the next queued one, else the function's, else the default sentence. */
  transcriptFor(audio: Buffer, sampleRate: number): string {
    const queued = this.queue.shift();
    if (queued !== undefined) return queued;
    const t = this.options.transcripts;
    return typeof t === 'function' ? t(audio, sampleRate) : defaultTranscript;
  }

  /**
   * The text of an utterance heard so far, for a realtime `transcript.partial`: the transcript
   * function's answer when `options.transcripts` is one, else `''` (no partial). It never takes a
   * queued transcript: those belong to finals, one each, in order.
   */
  partialFor(audio: Buffer, sampleRate: number): string {
    const t = this.options.transcripts;
    return typeof t === 'function' ? t(audio, sampleRate) : '';
  }

  requestId(): string {
    return `fake_${Date.now()}_${++this.ids}`;
  }

  /** A new request's log entry, kept in `requests` unless `keepRequestLog` is false. */
  log(start: LogStart): RequestLogEntry {
    const keep = this.options.keepRequestLog ?? true;
    const entry = new RequestLogEntry(start, keep);
    if (keep) this.requests.push(entry);
    return entry;
  }
}
