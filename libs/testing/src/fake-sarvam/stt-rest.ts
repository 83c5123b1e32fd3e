import type { IncomingMessage } from 'node:http';
import { STT_REST_MAX_AUDIO_SECONDS } from '@audexly/protocol';
import { isWav, parseWav } from '@audexly/audio';
import { sleep } from '../http-io.js';
import { restErrorBody } from './errors.js';
import type { Respond } from './respond.js';
import type { FakeSarvamState, RequestLogEntry } from './state.js';
import { checkSttRestFields } from './validate-stt.js';

/** Raw PCM (no WAV header) is taken only at this rate ("PCM files are supported only at 16kHz"). */
const RAW_PCM_RATE = 16000;
/** The language the fake "detects" when none (or `unknown`) is named. */
const DETECTED_LANGUAGE = 'en-IN';

/**
 * `POST /speech-to-text` (reference A1): multipart with a `file` (WAV at any rate, or raw PCM16LE
 * taken as 16 kHz; other formats are read as raw PCM too, the fake decodes nothing else). Refuses
 * what Sarvam refuses: no file (422), a model, language, mode, codec or keyterms it does not take,
 * or audio over {@link STT_REST_MAX_AUDIO_SECONDS} (400).
 */
export async function transcribe(
  state: FakeSarvamState,
  req: IncomingMessage,
  body: Buffer,
  log: RequestLogEntry,
  respond: Respond,
): Promise<void> {
  const refuse = (status: number, message: string): void =>
    respond(status, restErrorBody(status, message, state.requestId()));
  let form: FormData;
  try {
    form = await new Request('http://fake/speech-to-text', {
      method: 'POST',
      headers: req.headers as Record<string, string>,
      body,
    }).formData();
  } catch {
    return refuse(400, 'Expected multipart/form-data');
  }
  const fields = new Map<string, string>();
  for (const [k, v] of form.entries()) {
    if (k === 'file') continue;
    log.params[k] = v;
    if (typeof v === 'string') fields.set(k, v);
  }
  const file = form.get('file');
  if (!(file instanceof Blob)) return refuse(422, 'Field required: file');
  const checked = checkSttRestFields(fields);
  if (!checked.ok) return refuse(400, checked.message);

  const bytes = Buffer.from(await file.arrayBuffer());
  let pcm: Buffer = bytes;
  let rate = RAW_PCM_RATE;
  if (isWav(bytes)) {
    try {
      ({ pcm, sampleRate: rate } = parseWav(bytes));
    } catch (err) {
      return refuse(400, `Invalid audio: ${(err as Error).message}`);
    }
  }
  log.addAudio(pcm);
  const seconds = pcm.byteLength / 2 / rate;
  if (seconds > STT_REST_MAX_AUDIO_SECONDS) {
    return refuse(
      400,
      `Audio is ${seconds.toFixed(1)} s long; the maximum is ${STT_REST_MAX_AUDIO_SECONDS} s per request (use the Batch API)`,
    );
  }
  const transcript = state.transcriptFor(pcm, rate);
  await sleep(state.options.sttLatencyMs ?? 0);
  const { language, withTimestamps } = checked.value;
  const detect = language === null || language === 'unknown';
  respond(200, {
    request_id: state.requestId(),
    transcript,
    timestamps: withTimestamps ? { words: [transcript], start_time_seconds: [0], end_time_seconds: [seconds] } : null,
    diarized_transcript: null,
    language_code: detect ? (transcript === '' ? null : DETECTED_LANGUAGE) : language,
    language_probability: detect ? 0.98 : null,
  });
}
