import type { FakeSarvamOptions, SarvamEndpoint, SarvamFailure, SarvamRequestLog } from './types.js';
import { defaultTranscript } from './types.js';

/** Shared mutable state of one fake Sarvam server. */
export class FakeSarvamState {
  readonly requests: SarvamRequestLog[] = [];
  private readonly failures: SarvamFailure[] = [];
  private readonly queue: string[];
  private ids = 0;

  constructor(readonly options: FakeSarvamOptions) {
    this.queue = Array.isArray(options.transcripts) ? [...options.transcripts] : [];
  }

  get apiKey(): string {
    return this.options.apiKey ?? 'test-key';
  }

  inject(failure: SarvamFailure): void {
    this.failures.push(failure);
  }

  /** Removes and returns the next failure scripted for this endpoint. */
  takeFailure(endpoint: SarvamEndpoint): SarvamFailure | undefined {
    const i = this.failures.findIndex((f) => f.on === endpoint);
    return i < 0 ? undefined : this.failures.splice(i, 1)[0];
  }

  transcriptFor(audio: Buffer, sampleRate: number): string {
    const queued = this.queue.shift();
    if (queued !== undefined) return queued;
    const t = this.options.transcripts;
    return typeof t === 'function' ? t(audio, sampleRate) : defaultTranscript;
  }

  requestId(): string {
    return `fake_${Date.now()}_${++this.ids}`;
  }

  log(entry: Omit<SarvamRequestLog, 'audio' | 'texts' | 'messages' | 'closed'>): SarvamRequestLog {
    const full: SarvamRequestLog = { ...entry, audio: Buffer.alloc(0), texts: [], messages: [], closed: false };
    this.requests.push(full);
    return full;
  }
}
