/**
 * What Sarvam's speech APIs accept: models, languages, speakers, ranges and limits. The one
 * catalogue used by the API (to refuse an agent the providers would refuse), the dashboard (to
 * offer only valid choices) and the fake Sarvam server (to refuse what the real one refuses).
 *
 * Source: the team's reference on Sarvam (sections A1–A5), from the `sarvamai` 1.1.10 SDK types and
 * docs.sarvam.ai as of late 2026. Pure data and pure functions: safe in a browser bundle.
 */

/** Sarvam's 11 text-to-speech languages (also the STT languages of `saarika:v2.5`). */
export const TTS_LANGUAGES = [
  'bn-IN',
  'en-IN',
  'gu-IN',
  'hi-IN',
  'kn-IN',
  'ml-IN',
  'mr-IN',
  'od-IN',
  'pa-IN',
  'ta-IN',
  'te-IN',
] as const;

/** The 12 STT languages only the saaras models take. */
const SAARAS_ONLY_LANGUAGES = [
  'as-IN',
  'ur-IN',
  'ne-IN',
  'kok-IN',
  'ks-IN',
  'sd-IN',
  'sa-IN',
  'sat-IN',
  'mni-IN',
  'brx-IN',
  'mai-IN',
  'doi-IN',
] as const;

/** English names of every language code, for people. */
export const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  'en-IN': 'English (India)',
  'hi-IN': 'Hindi',
  'bn-IN': 'Bengali',
  'gu-IN': 'Gujarati',
  'kn-IN': 'Kannada',
  'ml-IN': 'Malayalam',
  'mr-IN': 'Marathi',
  'od-IN': 'Odia',
  'pa-IN': 'Punjabi',
  'ta-IN': 'Tamil',
  'te-IN': 'Telugu',
  'as-IN': 'Assamese',
  'ur-IN': 'Urdu',
  'ne-IN': 'Nepali',
  'kok-IN': 'Konkani',
  'ks-IN': 'Kashmiri',
  'sd-IN': 'Sindhi',
  'sa-IN': 'Sanskrit',
  'sat-IN': 'Santali',
  'mni-IN': 'Manipuri',
  'brx-IN': 'Bodo',
  'mai-IN': 'Maithili',
  'doi-IN': 'Dogri',
  unknown: 'Detect automatically',
};

/** STT language code that asks the provider to detect the language. */
export const AUTO_DETECT_LANGUAGE = 'unknown';

export interface SttModelInfo {
  id: string;
  /** Languages it transcribes, `unknown` (auto-detect) included. */
  languages: readonly string[];
  /** Still accepted, no longer recommended. */
  legacy: boolean;
}

/** Speech-to-text models (REST `/speech-to-text` and streaming `/speech-to-text/ws`). */
export const STT_MODELS: readonly SttModelInfo[] = [
  { id: 'saaras:v3', languages: [AUTO_DETECT_LANGUAGE, ...TTS_LANGUAGES, ...SAARAS_ONLY_LANGUAGES], legacy: false },
  { id: 'saaras:v4', languages: [AUTO_DETECT_LANGUAGE, ...TTS_LANGUAGES, ...SAARAS_ONLY_LANGUAGES], legacy: false },
  { id: 'saarika:v2.5', languages: [AUTO_DETECT_LANGUAGE, ...TTS_LANGUAGES], legacy: true },
];

/** Sample rates the streaming STT socket takes (`sample_rate` query parameter). */
export const STT_STREAMING_SAMPLE_RATES = [8000, 16000] as const;
/** Longest audio one REST `/speech-to-text` request may carry (longer audio is a 400). */
export const STT_REST_MAX_AUDIO_SECONDS = 30;

export interface NumberRange {
  min: number;
  max: number;
}

export interface TtsModelInfo {
  id: string;
  /** Lowercase, case-sensitive; the first is the model's default. */
  speakers: readonly string[];
  pace: NumberRange;
  /** `null` where the model does not take the parameter. */
  pitch: NumberRange | null;
  loudness: NumberRange | null;
  /** Longest `text` of one REST request, and of one streaming `text` message. */
  maxTextChars: number;
  /** `speech_sample_rate` values over the streaming socket (REST takes these plus `restOnlySampleRates`). */
  sampleRates: readonly number[];
  restOnlySampleRates: readonly number[];
  legacy: boolean;
}

/** Text-to-speech models. */
export const TTS_MODELS: readonly TtsModelInfo[] = [
  {
    id: 'bulbul:v2',
    speakers: ['anushka', 'manisha', 'vidya', 'arya', 'abhilash', 'karun', 'hitesh'],
    pace: { min: 0.3, max: 3 },
    pitch: { min: -0.75, max: 0.75 },
    loudness: { min: 0.3, max: 3 },
    maxTextChars: 1500,
    sampleRates: [8000, 16000, 22050, 24000],
    restOnlySampleRates: [],
    legacy: true,
  },
  {
    id: 'bulbul:v3',
    speakers: [
      'shubh',
      'aditya',
      'ritu',
      'priya',
      'neha',
      'rahul',
      'pooja',
      'rohan',
      'simran',
      'kavya',
      'amit',
      'dev',
      'ishita',
      'shreya',
      'ratan',
      'varun',
      'manan',
      'sumit',
      'roopa',
      'kabir',
      'aayan',
      'ashutosh',
      'advait',
      'anand',
      'tanya',
      'tarun',
      'sunny',
      'mani',
      'gokul',
      'vijay',
      'shruti',
      'suhani',
      'mohit',
      'kavitha',
      'rehan',
      'soham',
      'rupali',
    ],
    pace: { min: 0.5, max: 2 },
    pitch: null,
    loudness: null,
    maxTextChars: 2500,
    sampleRates: [8000, 16000, 22050, 24000],
    restOnlySampleRates: [32000, 44100, 48000],
    legacy: false,
  },
];

export function sttModel(id: string): SttModelInfo | undefined {
  return STT_MODELS.find((m) => m.id === id);
}

export function ttsModel(id: string): TtsModelInfo | undefined {
  return TTS_MODELS.find((m) => m.id === id);
}

/** One thing wrong with a voice setting: the field (dotted path of the agent) and why, in words. */
export interface CatalogueProblem {
  path: string;
  message: string;
}

/** The voice settings of an agent, as far as the catalogue judges them. */
export interface VoiceSettings {
  sampleRate: number;
  stt: { model: string; language: string };
  tts: { model: string; speaker: string; language: string; pace: number };
}

const list = (items: readonly (string | number)[]): string => items.join(', ');

/**
 * Everything Sarvam would refuse in these settings (empty when they are valid): STT model and
 * language, TTS model ↔ speaker ↔ language ↔ pace, and the call's sample rate.
 */
export function voiceSettingsProblems(v: VoiceSettings): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const stt = sttModel(v.stt.model);
  if (!stt)
    problems.push({
      path: 'stt.model',
      message: `unknown speech-to-text model "${v.stt.model}"; choose one of ${list(STT_MODELS.map((m) => m.id))}`,
    });
  else if (!stt.languages.includes(v.stt.language)) {
    problems.push({
      path: 'stt.language',
      message: `${stt.id} does not transcribe "${v.stt.language}"; choose one of ${list(stt.languages)}`,
    });
  }
  const tts = ttsModel(v.tts.model);
  if (!tts) {
    problems.push({
      path: 'tts.model',
      message: `unknown text-to-speech model "${v.tts.model}"; choose one of ${list(TTS_MODELS.map((m) => m.id))}`,
    });
    return problems;
  }
  if (!tts.speakers.includes(v.tts.speaker)) {
    problems.push({
      path: 'tts.speaker',
      message: `${tts.id} has no speaker "${v.tts.speaker}"; choose one of ${list(tts.speakers)}`,
    });
  }
  if (!(TTS_LANGUAGES as readonly string[]).includes(v.tts.language)) {
    problems.push({
      path: 'tts.language',
      message: `text-to-speech does not speak "${v.tts.language}"; choose one of ${list(TTS_LANGUAGES)}`,
    });
  }
  if (!(v.tts.pace >= tts.pace.min && v.tts.pace <= tts.pace.max)) {
    problems.push({ path: 'tts.pace', message: `${tts.id} takes a pace from ${tts.pace.min} to ${tts.pace.max}` });
  }
  if (!tts.sampleRates.includes(v.sampleRate)) {
    problems.push({
      path: 'sampleRate',
      message: `${tts.id} cannot speak at ${v.sampleRate} Hz; choose one of ${list(tts.sampleRates)}`,
    });
  }
  return problems;
}

/** Longest text, in characters, any TTS model speaks in one request: the schema's bound on greeting and phrases. */
export const MAX_TTS_TEXT_CHARS = Math.max(...TTS_MODELS.map((m) => m.maxTextChars));

/**
 * Longest text, in characters, of an agent's free-text fields. Not Sarvam's limits but Audexly's:
 * kept here because this module is the one the dashboard (its `maxlength`) and the agent schema
 * (its `.max()`) both import. Greeting and phrases are bounded by the chosen TTS model's
 * `maxTextChars` instead.
 */
export const AGENT_TEXT_LIMITS = {
  name: 100,
  prompt: 8000,
  llmModel: 100,
  /** OpenAI's limit on a function name. */
  webhookName: 64,
  webhookDescription: 1024,
  webhookUrl: 2048,
} as const;

/** Phone numbers: the normalisation the API stores (E.164), for the dashboard too. */
export { toE164 } from './numbers.js';
