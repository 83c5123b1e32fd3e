/** Which endpoint a request or injected failure is about. */
export type SarvamEndpoint = 'stt-rest' | 'tts-rest' | 'stt-ws' | 'tts-ws';

/** Picks a transcript for a piece of audio (PCM16LE mono at `sampleRate`). */
export type TranscriptFn = (audio: Buffer, sampleRate: number) => string;

/** Options of {@link startFakeSarvam}. */
export interface FakeSarvamOptions {
  /** Accepted key; default `test-key`. */
  apiKey?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /**
   * Transcripts for STT (REST and each WS flush): a queue consumed in order, then the function or the
   * default sentence; or a function. Default: always {@link defaultTranscript}.
   */
  transcripts?: Array<string> | TranscriptFn;
  /** Delay before an STT answer (REST or WS); default 0. */
  sttLatencyMs?: number;
  /**
   * STT WS: close a socket that received no message for this long, with code 1008 (an idle timeout,
   * as Sarvam's realtime endpoint does); default: never.
   */
  sttIdleTimeoutMs?: number;
  /** Delay before the first TTS audio (REST or WS); default 0. */
  ttsFirstByteMs?: number;
  /** Size of each streamed TTS audio message; default 100 ms. */
  ttsChunkMs?: number;
}

/**
 * A scripted failure for the next matching request:
 * - `status`: REST answers this HTTP status with Sarvam's error body (`retryAfterS` adds `retry-after`);
 *   for WS, the upgrade is refused with it.
 * - `close`: the WS accepts, then closes with this code on its first flush (e.g. 1011).
 * - `error`: the WS sends an error message on its first flush.
 * - `stall`: the STT WS never answers its first flush (later flushes are answered).
 */
export type SarvamFailure =
  | { on: SarvamEndpoint; status: number; retryAfterS?: number }
  | { on: 'stt-ws' | 'tts-ws'; close: number }
  | { on: 'stt-ws' | 'tts-ws'; error: string }
  | { on: 'stt-ws'; stall: true };

/** What arrived at the fake, one entry per REST call or WS connection (WS entries grow as messages arrive). */
export interface SarvamRequestLog {
  endpoint: SarvamEndpoint;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The key the client authenticated with (header or WS subprotocol), if any. */
  apiKey: string | null;
  /** Query parameters, multipart fields, JSON body fields, or (TTS WS) the last config. */
  params: Record<string, unknown>;
  /** STT audio received, decoded to PCM16LE (WAV headers removed). */
  audio: Buffer;
  /** TTS texts received. */
  texts: string[];
  /** WS messages received, parsed. */
  messages: unknown[];
  /** WS: closed (by either side). */
  closed: boolean;
}

/** The fixed English sentence the fake transcribes by default. */
export const defaultTranscript = 'I would like to know the balance of my account.';
