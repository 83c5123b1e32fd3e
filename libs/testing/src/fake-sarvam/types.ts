/** Which endpoint a request or injected failure is about. */
export type SarvamEndpoint = 'stt-rest' | 'tts-rest' | 'stt-ws' | 'stt-realtime-ws' | 'tts-ws';

/** Picks a transcript for a piece of audio (PCM16LE mono at `sampleRate`). */
export type TranscriptFn = (audio: Buffer, sampleRate: number) => string;

/** What the STT socket does with a flush over audio that held no speech (see {@link FakeSarvamOptions.sttSilentFlush}). */
export type SilentFlushAnswer = 'ignore' | 'empty';

/** The fake's defaults, for tests that need to know them (e.g. how much silence ends a segment). */
export const fakeSarvamDefaults = {
  apiKey: 'test-key',
  /** STT WS: the silence (audio time) after speech at which the fake's VAD ends a segment. */
  sttEndOfSpeechMs: 600,
  sttSilentFlush: 'ignore' as SilentFlushAnswer,
  /**
   * STT realtime WS: audio time (samples received) between two looks at an open utterance for a
   * `transcript.partial`. Sarvam documents no cadence; this is the fake's choice.
   */
  sttPartialIntervalMs: 100,
  /** STT WS idle limit (Sarvam documents one minute for TTS; STT's limit is unverified). */
  sttIdleTimeoutMs: 60_000,
  /** TTS WS idle limit: "The connection automatically closes after one minute of inactivity". */
  ttsIdleTimeoutMs: 60_000,
  ttsChunkMs: 100,
} as const;

/** Options of {@link startFakeSarvam}. Every one is optional; defaults in {@link fakeSarvamDefaults}. */
export interface FakeSarvamOptions {
  /** Accepted key; default `test-key`. */
  apiKey?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /**
   * Transcripts for STT: a queue consumed in order, one entry per REST request and per streaming
   * segment that held speech (a silent segment answered with `""` consumes none), then the function
   * or {@link defaultTranscript}; or a function. Default: always {@link defaultTranscript}.
   */
  transcripts?: Array<string> | TranscriptFn;
  /** Delay before an STT answer (REST, each streaming `data`, each realtime `transcript.final`); default 0. */
  sttLatencyMs?: number;
  /**
   * STT realtime WS: every this much audio received (audio time, not wall time) the fake looks at
   * the open utterance and sends a `transcript.partial` when its text changed; default 100 ms.
   * Sarvam documents no cadence: this is the fake's choice.
   */
  sttPartialIntervalMs?: number;
  /**
   * STT realtime WS: delay before each `transcript.partial`; default {@link sttLatencyMs}. Sarvam
   * documents no partial latency: this is the fake's choice. Messages still leave in order, so a
   * final never overtakes a partial queued before it.
   */
  sttPartialLatencyMs?: number;
  /**
   * STT WS (legacy and realtime): the silence after speech (audio time: samples received, not wall
   * time) at which the fake's own VAD ends a segment and sends its transcript unasked; default
   * 600 ms (Sarvam's VAD ends speech after about 0.5–1 s). A realtime socket's `silence_duration_ms`
   * overrides it.
   */
  sttEndOfSpeechMs?: number;
  /**
   * STT WS (legacy only): a flush over audio that held no speech is `'ignore'`d (no answer at all;
   * default) or answered with an `'empty'` transcript `""`. A flush with no audio since the last
   * segment is never answered. The realtime socket (`flush` and `speech_end` with
   * `endpointing=manual` only) always answers silent audio with `""`.
   */
  sttSilentFlush?: SilentFlushAnswer;
  /**
   * STT WS (legacy and realtime): a socket that receives no message for this long is closed with
   * code 1008 (realtime: after `session.end`); default 60 000 ms.
   */
  sttIdleTimeoutMs?: number;
  /** TTS WS: a socket that receives no message for this long is closed with code 1008; default 60 000 ms. */
  ttsIdleTimeoutMs?: number;
  /** Delay before the first TTS audio (REST or WS); default 0. */
  ttsFirstByteMs?: number;
  /** Size of each streamed TTS audio message; default 100 ms. */
  ttsChunkMs?: number;
  /**
   * TTS WS: every synthesis stops for `ms` after its first `afterChunks` audio messages, then sends
   * the rest (a stream that falls behind real time mid-sentence: a slow provider or network). Off
   * by default: the fake otherwise sends a sentence's audio as fast as it can.
   */
  ttsStall?: { afterChunks: number; ms: number };
  /**
   * Keep every request in `requests`, with the audio and messages of each socket (default true,
   * for tests to read). A load run sets it false: a soak's thousands of calls of audio would
   * otherwise pile up in the load generator's heap and slow the simulated callers down.
   */
  keepRequestLog?: boolean;
}

/**
 * A scripted failure, taken by the next matching request (for a WS: at the upgrade, and it then
 * applies to that connection):
 * - `status`: REST answers this HTTP status with Sarvam's error body (`retryAfterS` adds
 *   `retry-after`); a WS upgrade is refused with it. The realtime STT socket instead accepts, then
 *   sends a fatal `error` with this `status_code` and closes: 1003 for 401, 403 and 429, 1011 for
 *   5xx, 4000 otherwise.
 * - `close`: the WS accepts, then closes with this code at its first honoured flush (e.g. 1011).
 *   On the realtime STT socket a flush is any finalisation: `flush` or `speech_end` with
 *   `endpointing=manual`, the VAD's end of speech with `endpointing=vad`.
 * - `closeAtAudio` (STT WS, legacy or realtime): the WS accepts, then closes with this code at the
 *   first audio message that arrives once `afterAudioMs` (default 0) of audio was received — a drop
 *   mid-utterance. That message's audio is lost (not in the log's `audio`).
 * - `error`: instead of answering its first honoured flush, the WS sends an error message (STT:
 *   `code` `internal_server_error`; TTS: `code` 500); the flushed audio or text is dropped. The
 *   realtime STT socket's error is fatal (`is_fatal: true`): it then sends `session.end` and closes
 *   with 1011.
 * - `stall` (STT WS, legacy or realtime): its first honoured flush is never answered and its audio
 *   is dropped (later ones are answered; on the legacy socket the server's own segments always are).
 */
export type SarvamFailure =
  | { on: SarvamEndpoint; status: number; retryAfterS?: number }
  | { on: 'stt-ws' | 'stt-realtime-ws' | 'tts-ws'; close: number }
  | { on: 'stt-ws' | 'stt-realtime-ws'; closeAtAudio: number; afterAudioMs?: number }
  | { on: 'stt-ws' | 'stt-realtime-ws' | 'tts-ws'; error: string }
  | { on: 'stt-ws' | 'stt-realtime-ws'; stall: true };

/** One transcript the STT socket sent, for comparing what the provider heard with what reached the agent. */
export interface SentTranscript {
  transcript: string;
  /**
   * `end-of-speech`: sent unasked when the fake's VAD heard the speech end; `flush`: the answer to a
   * flush (realtime: also `speech_end` with manual endpointing, and what `end` finalised).
   */
  cause: 'end-of-speech' | 'flush';
  /** Length of the audio the transcript covers (legacy: also its `metrics.audio_duration`). */
  audioSeconds: number;
}

/** What arrived at the fake, one entry per REST call or WS connection (WS entries grow as messages arrive). */
export interface SarvamRequestLog {
  endpoint: SarvamEndpoint;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The key the client authenticated with (header or WS subprotocol), if any. */
  apiKey: string | null;
  /** Query parameters, multipart fields, JSON body fields, or (TTS WS) the query and the last accepted config. */
  params: Record<string, unknown>;
  /**
   * HTTP status the fake answered: the REST response's, or for a WS 101 when the upgrade was
   * accepted and the refusal's status otherwise (the realtime STT socket refuses after accepting:
   * always 101, the refusal in `sent`); `null` until answered.
   */
  status: number | null;
  /** STT audio received, decoded to PCM16LE (WAV headers removed). */
  readonly audio: Buffer;
  /** TTS texts received. */
  texts: string[];
  /** WS messages received, parsed. */
  messages: unknown[];
  /** WS messages the fake sent, in order. */
  sent: unknown[];
  /** STT WS: every `data` transcript (realtime: every `transcript.final`) sent, in order, and why. */
  transcriptsSent: SentTranscript[];
  /** WS: closed (by either side). */
  closed: boolean;
}

/** The fixed English sentence the fake transcribes by default. */
export const defaultTranscript = 'I would like to know the balance of my account.';
