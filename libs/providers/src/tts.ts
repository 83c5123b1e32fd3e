import type { SampleRate } from '@audexly/protocol';

/** Voice settings for one call's TTS session. */
export interface TtsOptions {
  /** Rate of the PCM16LE mono audio synthesize() yields. */
  sampleRate: SampleRate;
  /** BCP-47 language, e.g. `hi-IN`. */
  language: string;
  /** Provider model id, e.g. `bulbul:v2`. */
  model: string;
  /** Provider voice name, e.g. `anushka`. */
  speaker: string;
  /** Speaking rate, 1 = normal. */
  pace: number;
}

/**
 * Per-call TTS session; synthesize yields PCM16LE mono at options.sampleRate as it arrives, ends
 * when the text is done, stops quietly when signal aborts.
 * - Calls to synthesize() on one session run one after another, in call order.
 * - Every yielded chunk holds whole samples (even byte length).
 * - Breaking out of the loop early is the same as aborting.
 * - Failures throw an `AudexlyError` (code `AUDEXLY_ERR_TTS_UPSTREAM`, `retryable` set).
 */
export interface TtsSession {
  synthesize(text: string, signal?: AbortSignal): AsyncIterable<Buffer>;
  close(): Promise<void>;
}

/** A text-to-speech vendor. One session per call. */
export interface TtsProvider {
  readonly name: string;
  openSession(options: TtsOptions): Promise<TtsSession>;
}
