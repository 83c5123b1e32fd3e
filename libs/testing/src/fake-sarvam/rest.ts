import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeWav, isWav, parseWav } from '@audexly/audio';
import { espeakVoiceFor, synthesizeSpeech } from '../espeak.js';
import { readBody, sendJson, sleep } from '../http-io.js';
import { apiKeyOf, invalidKeyBody, sarvamErrorCode } from './auth.js';
import type { FakeSarvamState } from './state.js';
import type { SarvamEndpoint } from './types.js';

/** Serves `POST /speech-to-text` and `POST /text-to-speech`; anything else is a 404. */
export async function handleRest(state: FakeSarvamState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://fake').pathname;
  const endpoint: SarvamEndpoint | null =
    req.method === 'POST' && path === '/speech-to-text' ? 'stt-rest' : req.method === 'POST' && path === '/text-to-speech' ? 'tts-rest' : null;
  if (!endpoint) {
    sendJson(res, 404, { error: { message: `Not Found: ${req.method} ${path}`, code: 'not_found_error' } });
    return;
  }
  const body = await readBody(req);
  const apiKey = apiKeyOf(req);
  const log = state.log({ endpoint, path, headers: req.headers, apiKey, params: {} });
  if (apiKey !== state.apiKey) {
    sendJson(res, 403, invalidKeyBody);
    return;
  }
  const failure = state.takeFailure(endpoint);
  if (failure && 'status' in failure) {
    const headers: Record<string, string> = failure.retryAfterS !== undefined ? { 'retry-after': String(failure.retryAfterS) } : {};
    sendJson(res, failure.status, { error: { message: `injected failure ${failure.status}`, code: sarvamErrorCode(failure.status), request_id: state.requestId() } }, headers);
    return;
  }
  if (endpoint === 'stt-rest') await transcribe(state, req, body, log, res);
  else await speak(state, body, log, res);
}

async function transcribe(state: FakeSarvamState, req: IncomingMessage, body: Buffer, log: { params: Record<string, unknown>; audio: Buffer }, res: ServerResponse): Promise<void> {
  let form: FormData;
  try {
    form = await new Request('http://fake/speech-to-text', { method: 'POST', headers: req.headers as Record<string, string>, body }).formData();
  } catch {
    sendJson(res, 400, { error: { message: 'Expected multipart/form-data', code: 'invalid_request_error' } });
    return;
  }
  const file = form.get('file');
  for (const [k, v] of form.entries()) if (k !== 'file') log.params[k] = v;
  if (!(file instanceof Blob)) {
    sendJson(res, 422, { error: { message: 'Field required: file', code: 'unprocessable_entity_error' } });
    return;
  }
  const bytes = Buffer.from(await file.arrayBuffer());
  let pcm: Buffer = bytes;
  let rate = 16000; // raw PCM is only accepted at 16 kHz
  if (isWav(bytes)) {
    try {
      const wav = parseWav(bytes);
      pcm = wav.pcm;
      rate = wav.sampleRate;
    } catch (err) {
      sendJson(res, 400, { error: { message: `Invalid audio: ${(err as Error).message}`, code: 'invalid_request_error' } });
      return;
    }
  }
  log.audio = pcm;
  const transcript = state.transcriptFor(pcm, rate);
  await sleep(state.options.sttLatencyMs ?? 0);
  const language = typeof log.params.language_code === 'string' ? log.params.language_code : 'unknown';
  sendJson(res, 200, {
    request_id: state.requestId(),
    transcript,
    timestamps: null,
    diarized_transcript: null,
    language_code: language === 'unknown' ? 'en-IN' : language,
    language_probability: language === 'unknown' ? 0.98 : null,
  });
}

async function speak(state: FakeSarvamState, body: Buffer, log: { params: Record<string, unknown>; texts: string[] }, res: ServerResponse): Promise<void> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    sendJson(res, 400, { error: { message: 'Invalid JSON body', code: 'invalid_request_error' } });
    return;
  }
  log.params = json;
  const inputs = Array.isArray(json.inputs) ? (json.inputs as unknown[]) : [];
  const text = typeof json.text === 'string' ? json.text : typeof inputs[0] === 'string' ? inputs[0] : '';
  const language = json.language_code ?? json.target_language_code;
  if (!text.trim() || typeof language !== 'string') {
    sendJson(res, 400, { error: { message: 'text and language_code are required', code: 'invalid_request_error' } });
    return;
  }
  log.texts.push(text);
  const defaultRate = json.model === 'bulbul:v2' ? 22050 : 24000;
  const rate = Number(json.speech_sample_rate ?? defaultRate);
  if (!Number.isInteger(rate) || rate < 8000 || rate > 48000) {
    sendJson(res, 400, { error: { message: `Invalid speech_sample_rate: ${String(json.speech_sample_rate)}`, code: 'invalid_request_error' } });
    return;
  }
  const pace = typeof json.pace === 'number' ? json.pace : 1;
  const audio = await synthesizeSpeech({ text, voice: espeakVoiceFor(language), sampleRate: rate, pace });
  await sleep(state.options.ttsFirstByteMs ?? 0);
  sendJson(res, 200, { request_id: state.requestId(), audios: [encodeWav(audio, rate).toString('base64')] });
}
