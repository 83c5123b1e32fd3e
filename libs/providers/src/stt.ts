import type { AudexlyError, SampleRate } from '@audexly/protocol';

/** How to open a transcription session for one call. */
export interface SttSessionOptions {
  /** Rate of the PCM16LE mono audio that will be pushed. */
  sampleRate: SampleRate;
  /** BCP-47 language (`hi-IN`, `en-IN`) or `unknown` to auto-detect. */
  language: string;
  /** Provider model id, e.g. `saarika:v2.5`. */
  model: string;
  /** Aborting ends the session quietly: the event iterator finishes without an error event. */
  signal?: AbortSignal;
}

/**
 * What a session reports.
 * - `final`: the transcript of the audio pushed since the previous flush — everything the provider
 *   returned for that audio, however it cut it (one `final` per flush, in flush order). `language`
 *   is what the provider detected or echoed (null if unknown); `audioSeconds` the audio it covered;
 *   `providerMs` how long the turn waited for the provider after the flush.
 * - `unplaced`: text the provider returned for audio whose `final` is already out (a late tail).
 *   Never dropped: the caller decides where it goes.
 * - `partial`: an interim transcript of the audio pushed since the oldest flush not yet answered
 *   (providers with interim results only): what is final of it so far plus the provider's guess at
 *   the rest. It may change, is never a turn of its own, and the interval's `final` replaces it.
 * - `error`: the session failed; it is finished and the iterator ends after this event.
 */
export type SttEvent =
  | { type: 'final'; text: string; language: string | null; audioSeconds: number; providerMs: number }
  | { type: 'unplaced'; text: string; language: string | null }
  | { type: 'partial'; text: string }
  | { type: 'error'; error: AudexlyError };

/**
 * A per-call transcription session: push caller PCM (PCM16LE mono at sampleRate), flush() at end
 * of turn → one 'final' event per flush (text may be ''), read events with for await. A provider
 * that segments on its own may answer before the flush, several times, or not at all for silence;
 * the session still yields exactly one `final` per flush, with no word lost or repeated.
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
  /** Its sessions send `partial` events as the caller speaks (what a pause can be judged from without a flush). */
  readonly interimTranscripts?: boolean;
  openSession(options: SttSessionOptions): Promise<SttSession>;
}
