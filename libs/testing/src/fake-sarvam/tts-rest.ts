import { espeakVoiceFor, synthesizeSpeech } from '../espeak.js';
import { sleep } from '../http-io.js';
import { restErrorBody } from './errors.js';
import type { Respond } from './respond.js';
import type { FakeSarvamState, RequestLogEntry } from './state.js';
import { encodeTtsAudio } from './tts-audio.js';
import { checkTtsRestBody } from './validate-tts.js';

/**
 * `POST /text-to-speech` (reference A3): a JSON body checked against the catalogue
 * (`validate-tts.ts`), answered with `{"request_id","audios":[<base64>]}` — one WAV file by default,
 * or raw linear16 / mulaw / alaw bytes when `output_audio_codec` asks for them.
 */
export async function speak(
  state: FakeSarvamState,
  body: Buffer,
  log: RequestLogEntry,
  respond: Respond,
): Promise<void> {
  const refuse = (status: number, message: string): void =>
    respond(status, restErrorBody(status, message, state.requestId()));
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return refuse(400, 'Invalid JSON body');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return refuse(422, 'Expected a JSON object');
  log.params = json as Record<string, unknown>;
  const checked = checkTtsRestBody(log.params);
  if (!checked.ok) return refuse(checked.refusal.status, checked.refusal.message);
  const request = checked.value;
  log.texts.push(request.text);
  const pcm = await synthesizeSpeech({
    text: request.text,
    voice: espeakVoiceFor(request.language),
    sampleRate: request.sampleRate,
    pace: request.pace,
  });
  await sleep(state.options.ttsFirstByteMs ?? 0);
  respond(200, {
    request_id: state.requestId(),
    audios: [encodeTtsAudio(pcm, request.sampleRate, request.codec).toString('base64')],
  });
}
