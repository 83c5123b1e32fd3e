import type { AudexlyError } from '@audexly/protocol';

/** How to open a transcription session for one call. */
export interface SttSessionOptions {
  /** Rate of the PCM16LE mono audio that will be pushed. */
  sampleRate: 8000 | 16000 | 24000;
  /** BCP-47 language (`hi-IN`, `en-IN`) or `unknown` to auto-detect. */
  language: string;
  /** Provider model id, e.g. `saarika:v2.5`. */
  model: string;
  /** Aborting ends the session quietly: the event iterator finishes without an error event. */
  signal?: AbortSignal;
}

/**
 * What a session reports.
 * - `final`: the transcript of the audio pushed since the previous flush. `language` is what the
 *   provider detected or echoed (null if unknown); `audioSeconds` the audio it covered;
 *   `providerMs` the provider's own processing time (wall time for REST).
 * - `error`: the session failed; it is finished and the iterator ends after this event.
 */
export type SttEvent =
  | { type: 'final'; text: string; language: string | null; audioSeconds: number; providerMs: number }
  | { type: 'error'; error: AudexlyError };

/**
 * A per-call transcription session: push caller PCM (PCM16LE mono at sampleRate), flush() at end
 * of turn → one 'final' event per flush (text may be ''), read events with for await.
 * `push` and `flush` never throw and may be called before the provider is connected (they queue).
 * `close()` ends the event iterator quietly and frees the connection; calling it twice is safe.
 * The event stream has a single consumer.
 */
export interface SttSession extends AsyncIterable<SttEvent> {
  push(pcm: Buffer): void;
  flush(): void;
  close(): Promise<void>;
}

/** A speech-to-text vendor. One session per call. */
export interface SttProvider {
  readonly name: string;
  openSession(options: SttSessionOptions): Promise<SttSession>;
}
