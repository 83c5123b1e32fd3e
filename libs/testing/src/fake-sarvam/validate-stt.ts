import { AUTO_DETECT_LANGUAGE, STT_MODELS, STT_STREAMING_SAMPLE_RATES, sttModel } from '@audexly/protocol';

/**
 * What Sarvam's speech-to-text refuses (reference A1, A2, A5), over the one catalogue in
 * `@audexly/protocol`. Every refusal is a 400 `invalid_request_error` with a message for people.
 */

/** The model when a request names none (REST and streaming; since 2026-06-29). */
export const DEFAULT_STT_MODEL = 'saaras:v3';
/** `mode` values; only the saaras models take one other than `transcribe`. */
export const STT_MODES = ['transcribe', 'translate', 'verbatim', 'translit', 'codemix'] as const;
/** `input_audio_codec` values of the streaming socket: WAV or raw PCM only. */
export const STT_STREAMING_CODECS = ['wav', 'pcm_s16le', 'pcm_l16', 'pcm_raw'] as const;
/** `input_audio_codec` values of REST `/speech-to-text`. */
export const STT_REST_CODECS = [
  'wav',
  'x-wav',
  'wave',
  'mp3',
  'mpeg',
  'mpeg3',
  'x-mp3',
  'x-mpeg-3',
  'aac',
  'x-aac',
  'aiff',
  'x-aiff',
  'ogg',
  'opus',
  'flac',
  'x-flac',
  'mp4',
  'x-m4a',
  'amr',
  'x-ms-wma',
  'webm',
  'pcm_s16le',
  'pcm_l16',
  'pcm_raw',
] as const;
/** The only model that takes `keyterms`, and its limits. */
const KEYTERMS_MODEL = 'saaras:v4';
const MAX_KEYTERMS = 50;
const MAX_KEYTERM_CHARS = 64;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** How one streaming socket was asked to behave. */
export interface SttSocketSettings {
  model: string;
  /** `unknown` asks for detection; default `unknown` when the query has none (the SDK always sends one). */
  language: string;
  mode: string;
  sampleRate: number;
  vadSignals: boolean;
  flushSignal: boolean;
}

/** What one REST request asked for. */
export interface SttRestSettings {
  model: string;
  /** `null` when the request named none. */
  language: string | null;
  mode: string;
  withTimestamps: boolean;
}

const refuse = (message: string): { ok: false; message: string } => ({ ok: false, message });
const list = (items: readonly (string | number)[]): string => items.join(', ');

/** Checks the query of `/speech-to-text/ws` (note the hyphen in `language-code`). */
export function checkSttSocketQuery(query: URLSearchParams): Checked<SttSocketSettings> {
  const common = checkModelLanguageMode(
    query.get('model'),
    query.get('language-code'),
    query.get('mode'),
    'language-code',
  );
  if (!common.ok) return common;
  const rateText = query.get('sample_rate') ?? '16000';
  const sampleRate = Number(rateText);
  if (!(STT_STREAMING_SAMPLE_RATES as readonly number[]).includes(sampleRate) || !/^\d+$/.test(rateText)) {
    return refuse(`sample_rate ${rateText} is not supported; use one of ${list(STT_STREAMING_SAMPLE_RATES)}`);
  }
  const codec = query.get('input_audio_codec');
  if (codec !== null && !(STT_STREAMING_CODECS as readonly string[]).includes(codec)) {
    return refuse(
      `input_audio_codec ${codec} is not supported for streaming; use one of ${list(STT_STREAMING_CODECS)}`,
    );
  }
  const flags: Record<'vad_signals' | 'flush_signal' | 'high_vad_sensitivity', boolean> = {
    vad_signals: false,
    flush_signal: false,
    high_vad_sensitivity: false,
  };
  for (const name of Object.keys(flags) as (keyof typeof flags)[]) {
    const parsed = parseBoolean(query.get(name));
    if (parsed === undefined) return refuse(`${name} must be true or false, not ${query.get(name)}`);
    flags[name] = parsed;
  }
  return {
    ok: true,
    value: {
      ...common.value,
      language: common.value.language ?? AUTO_DETECT_LANGUAGE,
      sampleRate,
      vadSignals: flags.vad_signals,
      flushSignal: flags.flush_signal,
    },
  };
}

/** Checks the multipart fields of `POST /speech-to-text` (the file aside). */
export function checkSttRestFields(fields: ReadonlyMap<string, string>): Checked<SttRestSettings> {
  const common = checkModelLanguageMode(
    fields.get('model') ?? null,
    fields.get('language_code') ?? null,
    fields.get('mode') ?? null,
    'language_code',
  );
  if (!common.ok) return common;
  const codec = fields.get('input_audio_codec');
  if (codec !== undefined && !(STT_REST_CODECS as readonly string[]).includes(codec))
    return refuse(`input_audio_codec ${codec} is not supported`);
  const withTimestamps = parseBoolean(fields.get('with_timestamps') ?? null);
  if (withTimestamps === undefined) return refuse(`with_timestamps must be true or false`);
  const keyterms = fields.get('keyterms');
  if (keyterms !== undefined) {
    const problem = keytermsProblem(keyterms, common.value.model);
    if (problem) return refuse(problem);
  }
  return { ok: true, value: { ...common.value, withTimestamps } };
}

function checkModelLanguageMode(
  modelId: string | null,
  language: string | null,
  mode: string | null,
  languageField: string,
): Checked<{ model: string; language: string | null; mode: string }> {
  const model = sttModel(modelId ?? DEFAULT_STT_MODEL);
  if (!model) return refuse(`model ${modelId} is not supported; use one of ${list(STT_MODELS.map((m) => m.id))}`);
  if (language !== null && !model.languages.includes(language)) {
    return refuse(`${languageField} ${language} is not supported by ${model.id}; use one of ${list(model.languages)}`);
  }
  const chosenMode = mode ?? 'transcribe';
  if (!(STT_MODES as readonly string[]).includes(chosenMode))
    return refuse(`mode ${chosenMode} is not supported; use one of ${list(STT_MODES)}`);
  if (chosenMode !== 'transcribe' && !model.id.startsWith('saaras:'))
    return refuse(`mode ${chosenMode} is only supported by the saaras models, not ${model.id}`);
  return { ok: true, value: { model: model.id, language, mode: chosenMode } };
}

function keytermsProblem(text: string, model: string): string | null {
  if (model !== KEYTERMS_MODEL) return `keyterms are only supported by ${KEYTERMS_MODEL}, not ${model}`;
  let terms: unknown;
  try {
    terms = JSON.parse(text);
  } catch {
    return 'keyterms must be a JSON array of strings';
  }
  if (!Array.isArray(terms) || !terms.every((t) => typeof t === 'string'))
    return 'keyterms must be a JSON array of strings';
  if (terms.length > MAX_KEYTERMS) return `at most ${MAX_KEYTERMS} keyterms are allowed`;
  if (terms.some((t: string) => t.length > MAX_KEYTERM_CHARS))
    return `a keyterm may have at most ${MAX_KEYTERM_CHARS} characters`;
  return null;
}

/** A boolean query or form value as a Python API reads one (`true`/`false`, `1`/`0`, `yes`/`no`, …); absent is false; `undefined` when not a boolean. */
export function parseBoolean(value: string | null): boolean | undefined {
  if (value === null) return false;
  const v = value.toLowerCase();
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(v)) return true;
  if (['false', '0', 'no', 'off', 'f', 'n'].includes(v)) return false;
  return undefined;
}
