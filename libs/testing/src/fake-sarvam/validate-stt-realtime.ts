import { STT_MODELS, STT_STREAMING_SAMPLE_RATES } from '@audexly/protocol';
import type { Checked } from './validate-stt.js';
import { parseBoolean, STT_MODES } from './validate-stt.js';

/**
 * What Sarvam's realtime speech-to-text socket, `/speech-to-text-realtime/ws`, refuses at connect
 * (reference A2b; `sarvamai` 1.1.10 `speechToTextRealtimeStreaming` connect args and enums), with a
 * message for people.
 *
 * Unlike the legacy socket (`validate-stt.ts`, a 400 at the upgrade), the refusal follows the SDK's
 * doc comments (`RealtimeError`: close 4000, "Application rejection (… invalid model, unsupported
 * `language_code` / query param …)"): the upgrade succeeds, then a fatal `invalid_request` error
 * with `status_code` 400 and a close with 4000 (`refuseSttRealtimeSocket` in `stt-realtime-ws.ts`).
 */
/** The model when the query names none (SDK enum doc: "`saaras:v3-realtime` (default)"). */
export const DEFAULT_STT_REALTIME_MODEL = 'saaras:v3-realtime';
/**
 * Models this endpoint takes: the SDK enum's two, and `saaras:v4`, which the docs say "is also
 * available on this endpoint" (a name conflict with the enum's `saaras:v4-realtime`; reference A2b).
 */
export const STT_REALTIME_MODELS = ['saaras:v3-realtime', 'saaras:v4-realtime', 'saaras:v4'] as const;
/** `language_code` that asks for detection (`unknown` on every other STT endpoint). */
export const REALTIME_AUTO_LANGUAGE = 'auto';
/**
 * The languages of the realtime endpoint: the saaras catalogue's, with Odia as `or-IN` (`od-IN`
 * everywhere else; reference A5) and `auto` for `unknown` — the SDK's
 * `SpeechToTextRealtimeStreamingLanguageCode`.
 */
export const STT_REALTIME_LANGUAGES: readonly string[] = [
  REALTIME_AUTO_LANGUAGE,
  ...STT_MODELS.find((m) => m.id === 'saaras:v3')!
    .languages.filter((l) => l !== 'unknown')
    .map((l) => (l === 'od-IN' ? 'or-IN' : l)),
];
/** `stream_type` values; `balanced` is the default ("Partials with better accuracy"), `simulated` sends no partials. */
export const STT_REALTIME_STREAM_TYPES = ['fast', 'balanced', 'simulated'] as const;
/** `endpointing` values: the server's VAD ends turns, or the client does with `speech_start`/`speech_end`. */
export const STT_REALTIME_ENDPOINTING = ['vad', 'manual'] as const;
/** `encoding` values Sarvam takes (mono only). */
export const STT_REALTIME_ENCODINGS = ['linear16', 'linear32', 'mulaw', 'alaw'] as const;
/** The one encoding the fake implements: raw PCM16LE. */
export const FAKE_REALTIME_ENCODING = 'linear16';

export type RealtimeStreamType = (typeof STT_REALTIME_STREAM_TYPES)[number];
export type RealtimeEndpointing = (typeof STT_REALTIME_ENDPOINTING)[number];

/** How one realtime socket was asked to behave. Optional numbers are absent when the query has none. */
export interface SttRealtimeSettings {
  model: string;
  /** A BCP-47 code, or `auto`. */
  language: string;
  streamType: RealtimeStreamType;
  mode: string;
  prompt?: string;
  endpointing: RealtimeEndpointing;
  encoding: string;
  sampleRate: number;
  returnTimestamps: boolean;
  threshold?: number;
  prefixPaddingMs?: number;
  silenceDurationMs?: number;
  minSpeechDurationMs?: number;
}

const refuse = (message: string): { ok: false; message: string } => ({ ok: false, message });
const list = (items: readonly (string | number)[]): string => items.join(', ');

/** The VAD knobs sent as numeric strings: `threshold` a fraction, the others whole milliseconds. */
const NUMBER_PARAMS = [
  ['threshold', 'threshold'],
  ['prefix_padding_ms', 'prefixPaddingMs'],
  ['silence_duration_ms', 'silenceDurationMs'],
  ['min_speech_duration_ms', 'minSpeechDurationMs'],
] as const;

/** Checks the query of `/speech-to-text-realtime/ws` (note the underscore in `language_code`). */
export function checkSttRealtimeQuery(query: URLSearchParams): Checked<SttRealtimeSettings> {
  const language = query.get('language_code');
  const languageProblem = realtimeLanguageProblem(language);
  if (languageProblem) return refuse(languageProblem);
  const model = query.get('model') ?? DEFAULT_STT_REALTIME_MODEL;
  if (!(STT_REALTIME_MODELS as readonly string[]).includes(model))
    return refuse(`model ${model} is not supported on the realtime endpoint; use one of ${list(STT_REALTIME_MODELS)}`);
  const streamType = oneOf(query, 'stream_type', STT_REALTIME_STREAM_TYPES, 'balanced');
  if (!streamType.ok) return streamType;
  const mode = oneOf(query, 'mode', STT_MODES, 'transcribe');
  if (!mode.ok) return mode;
  const endpointing = oneOf(query, 'endpointing', STT_REALTIME_ENDPOINTING, 'vad');
  if (!endpointing.ok) return endpointing;
  const encoding = query.get('encoding') ?? FAKE_REALTIME_ENCODING;
  if (!(STT_REALTIME_ENCODINGS as readonly string[]).includes(encoding))
    return refuse(`encoding ${encoding} is not supported; use one of ${list(STT_REALTIME_ENCODINGS)}`);
  if (encoding !== FAKE_REALTIME_ENCODING)
    return refuse(
      `encoding ${encoding} is valid on Sarvam, but the fake Sarvam does not implement it; use ${FAKE_REALTIME_ENCODING}`,
    );
  const rateText = query.get('sample_rate') ?? '16000';
  const sampleRate = Number(rateText);
  if (!/^\d+$/.test(rateText) || !(STT_STREAMING_SAMPLE_RATES as readonly number[]).includes(sampleRate))
    return refuse(`sample_rate ${rateText} is not supported; use one of ${list(STT_STREAMING_SAMPLE_RATES)}`);
  const returnTimestamps = parseBoolean(query.get('return_timestamps'));
  if (returnTimestamps === undefined)
    return refuse(`return_timestamps must be true or false, not ${query.get('return_timestamps')}`);
  const settings: SttRealtimeSettings = {
    model,
    language: language!,
    streamType: streamType.value,
    mode: mode.value,
    endpointing: endpointing.value,
    encoding,
    sampleRate,
    returnTimestamps,
  };
  const prompt = query.get('prompt');
  if (prompt !== null) settings.prompt = prompt;
  for (const [name, key] of NUMBER_PARAMS) {
    const text = query.get(name);
    if (text === null) continue;
    const value = realtimeNumber(name, text);
    if (!value.ok) return value;
    settings[key] = value.value;
  }
  return { ok: true, value: settings };
}

/** Why a `language_code` is refused, or `null`; says what to use for the spellings of other endpoints. */
export function realtimeLanguageProblem(language: string | null): string | null {
  if (language === null) return 'language_code is required';
  if (STT_REALTIME_LANGUAGES.includes(language)) return null;
  if (language === 'od-IN') return 'language_code od-IN is not supported on the realtime endpoint; Odia is or-IN here';
  if (language === 'unknown')
    return 'language_code unknown is not supported on the realtime endpoint; use auto to detect the language';
  return `language_code ${language} is not supported; use one of ${list(STT_REALTIME_LANGUAGES)}`;
}

/**
 * A VAD knob, from a query string or a `config.update` number: `threshold` in [0, 1], the `_ms`
 * ones whole milliseconds ≥ 0.
 */
export function realtimeNumber(name: string, raw: string | number): Checked<number> {
  const text = String(raw).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) return refuse(`${name} must be a number, not ${String(raw)}`);
  if (name === 'threshold')
    return value >= 0 && value <= 1 ? { ok: true, value } : refuse(`threshold must be between 0 and 1, not ${text}`);
  return Number.isInteger(value) && value >= 0
    ? { ok: true, value }
    : refuse(`${name} must be a whole number of milliseconds, not ${text}`);
}

function oneOf<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[], fallback: T): Checked<T> {
  const value = query.get(name) ?? fallback;
  return (allowed as readonly string[]).includes(value)
    ? { ok: true, value: value as T }
    : refuse(`${name} ${value} is not supported; use one of ${list(allowed)}`);
}
