import { TTS_LANGUAGES, TTS_MODELS, ttsModel } from '@audexly/protocol';
import type { NumberRange, TtsModelInfo } from '@audexly/protocol';
import type { Refusal } from './errors.js';
import { parseBoolean } from './validate-stt.js';

/**
 * What Sarvam's text-to-speech refuses (reference A3, A4, A5), over the one catalogue in
 * `@audexly/protocol`. A missing required field or a value of the wrong type is a 422; a value
 * outside what the model takes is a 400. Fields a model does not use (pitch, loudness on bulbul:v3;
 * temperature on bulbul:v2) are accepted and ignored, as the SDK always sends pitch and loudness.
 */

/** REST `/text-to-speech` model when the body names none. */
export const DEFAULT_TTS_REST_MODEL = 'bulbul:v3';
/** `/text-to-speech/ws` model when the query names none (the server's default). */
export const DEFAULT_TTS_SOCKET_MODEL = 'bulbul:v2';
/** Longest `text` of one streaming `text` message. */
export const TTS_SOCKET_MAX_TEXT_CHARS = 2500;
/** REST `output_audio_codec` values. */
export const TTS_REST_CODECS = ['mp3', 'linear16', 'mulaw', 'alaw', 'opus', 'flac', 'aac', 'wav'] as const;
/** Streaming `output_audio_codec` values (no flac, aac or opus on the socket). */
export const TTS_SOCKET_CODECS = ['linear16', 'mulaw', 'alaw', 'wav', 'mp3'] as const;
/** The codecs the fake can produce; it refuses the others Sarvam takes (mp3, opus, flac, aac) with a message saying so. */
export const FAKE_TTS_CODECS = ['wav', 'linear16', 'mulaw', 'alaw'] as const;
export type FakeTtsCodec = (typeof FAKE_TTS_CODECS)[number];
/** `output_audio_bitrate` values (mp3 and other compressed codecs). */
export const TTS_BITRATES = ['32k', '64k', '96k', '128k', '192k'] as const;
/** Streaming `min_buffer_size`: characters buffered before synthesis starts. */
export const MIN_BUFFER_SIZE: NumberRange = { min: 30, max: 200 };
const DEFAULT_MIN_BUFFER_SIZE = 50;
/** `temperature`, a parameter of bulbul:v3 only. */
const TEMPERATURE: NumberRange = { min: 0.01, max: 2 };
const TEMPERATURE_MODELS: readonly string[] = ['bulbul:v3'];
/** `speech_sample_rate` when none is given (reference A5). */
const DEFAULT_SAMPLE_RATES: Readonly<Record<string, number>> = { 'bulbul:v2': 22050, 'bulbul:v3': 24000 };

/** How to speak: the parts of a REST request and a socket config that agree. */
export interface TtsVoice {
  model: TtsModelInfo;
  language: string;
  speaker: string;
  pace: number;
  sampleRate: number;
  codec: FakeTtsCodec;
}

export interface TtsRestRequest extends TtsVoice {
  text: string;
}

export interface TtsSocketConfig extends TtsVoice {
  minBufferSize: number;
}

export type TtsChecked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

type Fields = Record<string, unknown>;
const invalid = (message: string): { ok: false; refusal: Refusal } => ({
  ok: false,
  refusal: { status: 400, message },
});
const unprocessable = (message: string): { ok: false; refusal: Refusal } => ({
  ok: false,
  refusal: { status: 422, message },
});
const list = (items: readonly (string | number)[]): string => items.join(', ');
const chars = (text: string): number => [...text].length;

/** Checks a `POST /text-to-speech` JSON body (`inputs: [text]` of old clients is taken for `text`). */
export function checkTtsRestBody(body: Fields): TtsChecked<TtsRestRequest> {
  if (body.model !== undefined && typeof body.model !== 'string') return unprocessable('model must be a string');
  const model = ttsModel(body.model ?? DEFAULT_TTS_REST_MODEL);
  if (!model)
    return invalid(`model ${String(body.model)} is not supported; use one of ${list(TTS_MODELS.map((m) => m.id))}`);
  const inputs = Array.isArray(body.inputs) ? (body.inputs as unknown[]) : [];
  const text = body.text ?? inputs[0];
  if (text === undefined || text === null) return unprocessable('Field required: text');
  if (typeof text !== 'string') return unprocessable('text must be a string');
  if (text.trim() === '') return invalid('text must not be empty');
  if (chars(text) > model.maxTextChars)
    return invalid(`Text too long: ${chars(text)} characters; ${model.id} takes at most ${model.maxTextChars}`);
  const voice = checkVoice(body, model, 'rest');
  return voice.ok ? { ok: true, value: { ...voice.value, text } } : voice;
}

/** Checks the query of `/text-to-speech/ws`. */
export function checkTtsSocketQuery(
  query: URLSearchParams,
): TtsChecked<{ model: TtsModelInfo; completionEvent: boolean }> {
  const id = query.get('model') ?? DEFAULT_TTS_SOCKET_MODEL;
  const model = ttsModel(id);
  if (!model) return invalid(`model ${id} is not supported; use one of ${list(TTS_MODELS.map((m) => m.id))}`);
  // The AsyncAPI default is true: only an explicit false turns the `final` event off.
  const completion = query.get('send_completion_event');
  const completionEvent = completion === null ? true : parseBoolean(completion);
  if (completionEvent === undefined) return invalid(`send_completion_event must be true or false, not ${completion}`);
  return { ok: true, value: { model, completionEvent } };
}

/** Checks the `data` of a streaming `config` message for the socket's model (`model` inside it is ignored: the query sets it). */
export function checkTtsSocketConfig(data: Fields, model: TtsModelInfo): TtsChecked<TtsSocketConfig> {
  const voice = checkVoice(data, model, 'socket');
  if (!voice.ok) return voice;
  const minBufferSize = numberOf(data.min_buffer_size) ?? DEFAULT_MIN_BUFFER_SIZE;
  if (Number.isNaN(minBufferSize)) return unprocessable('min_buffer_size must be a number');
  if (!Number.isInteger(minBufferSize) || !within(minBufferSize, MIN_BUFFER_SIZE)) {
    return invalid(`min_buffer_size must be a whole number from ${MIN_BUFFER_SIZE.min} to ${MIN_BUFFER_SIZE.max}`);
  }
  const maxChunk = numberOf(data.max_chunk_length);
  if (maxChunk !== undefined && !(Number.isInteger(maxChunk) && maxChunk > 0))
    return invalid('max_chunk_length must be a positive whole number');
  return { ok: true, value: { ...voice.value, minBufferSize } };
}

/** Checks the `data` of a streaming `text` message: its text. */
export function checkTtsSocketText(data: unknown): TtsChecked<string> {
  const text = typeof data === 'object' && data !== null ? (data as Fields).text : undefined;
  if (typeof text !== 'string') return unprocessable('text message needs data.text, a string');
  if (text === '') return invalid('text must not be empty');
  if (chars(text) > TTS_SOCKET_MAX_TEXT_CHARS)
    return invalid(
      `Text too long: ${chars(text)} characters; a text message takes at most ${TTS_SOCKET_MAX_TEXT_CHARS}`,
    );
  return { ok: true, value: text };
}

function checkVoice(fields: Fields, model: TtsModelInfo, surface: 'rest' | 'socket'): TtsChecked<TtsVoice> {
  const language = fields.language_code ?? fields.target_language_code;
  if (language === undefined || language === null) return unprocessable('Field required: language_code');
  if (typeof language !== 'string') return unprocessable('language_code must be a string');
  if (!(TTS_LANGUAGES as readonly string[]).includes(language))
    return invalid(`language_code ${language} is not supported; use one of ${list(TTS_LANGUAGES)}`);

  const speaker = fields.speaker ?? model.speakers[0];
  if (typeof speaker !== 'string') return unprocessable('speaker must be a string');
  if (!model.speakers.includes(speaker))
    return invalid(`Speaker ${speaker} is not compatible with model ${model.id}; use one of ${list(model.speakers)}`);

  const ranged: [string, NumberRange | null, number][] = [
    ['pace', model.pace, 1],
    ['pitch', model.pitch, 0],
    ['loudness', model.loudness, 1],
    ['temperature', TEMPERATURE_MODELS.includes(model.id) ? TEMPERATURE : null, 0.6],
  ];
  const values: Record<string, number> = {};
  for (const [name, range, fallback] of ranged) {
    if (range === null) continue; // not a parameter of this model: ignored
    const value = numberOf(fields[name]) ?? fallback;
    if (Number.isNaN(value)) return unprocessable(`${name} must be a number`);
    if (!within(value, range))
      return invalid(`${name} ${value} is out of range for ${model.id}: ${range.min} to ${range.max}`);
    values[name] = value;
  }

  const rates = surface === 'rest' ? [...model.sampleRates, ...model.restOnlySampleRates] : model.sampleRates;
  const sampleRate = numberOf(fields.speech_sample_rate) ?? DEFAULT_SAMPLE_RATES[model.id] ?? 24000;
  if (Number.isNaN(sampleRate)) return unprocessable('speech_sample_rate must be a number');
  if (!rates.includes(sampleRate))
    return invalid(
      `speech_sample_rate ${sampleRate} is not supported by ${model.id}${surface === 'socket' ? ' over the socket' : ''}; use one of ${list(rates)}`,
    );

  const codecs: readonly string[] = surface === 'rest' ? TTS_REST_CODECS : TTS_SOCKET_CODECS;
  const codec = fields.output_audio_codec ?? (surface === 'rest' ? 'wav' : 'mp3');
  if (typeof codec !== 'string') return unprocessable('output_audio_codec must be a string');
  if (!codecs.includes(codec))
    return invalid(
      `output_audio_codec ${codec} is not supported${surface === 'socket' ? ' over the socket' : ''}; use one of ${list(codecs)}`,
    );
  if (!(FAKE_TTS_CODECS as readonly string[]).includes(codec)) {
    return invalid(
      `output_audio_codec ${codec} is valid, but the fake Sarvam server cannot produce it; use one of ${list(FAKE_TTS_CODECS)} in tests`,
    );
  }
  const bitrate = fields.output_audio_bitrate;
  if (bitrate !== undefined && bitrate !== null && !(TTS_BITRATES as readonly unknown[]).includes(bitrate)) {
    return invalid(
      `output_audio_bitrate ${JSON.stringify(bitrate)} is not supported; use one of ${list(TTS_BITRATES)}`,
    );
  }
  return {
    ok: true,
    value: { model, language, speaker, pace: values.pace ?? 1, sampleRate, codec: codec as FakeTtsCodec },
  };
}

/** A JSON number, or a numeric string as a lax API takes it; `undefined` when absent, NaN when not a number. */
function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return NaN;
}

function within(value: number, range: NumberRange): boolean {
  return value >= range.min && value <= range.max;
}
