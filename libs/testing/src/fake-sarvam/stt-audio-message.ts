import { isWav, parseWav } from '@audexly/audio';
import type { Checked } from './validate-stt.js';

/** The only `encoding` an audio message may carry (AsyncAPI of `/speech-to-text/ws`). */
export const STT_AUDIO_ENCODING = 'audio/wav';

/** Strict base64 (padding required), as a JSON audio field must be. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The PCM16LE of one `{"audio":{"data","sample_rate","encoding"}}` message: `data` is base64 of raw
 * PCM or of a WAV file (its header is removed). `encoding` must be `audio/wav`; the message's
 * `sample_rate` is not checked (8 kHz is set by the connection, and clients in the wild repeat it
 * per message), the connection's rate applies.
 */
export function decodeAudioMessage(audio: unknown): Checked<Buffer> {
  if (typeof audio !== 'object' || audio === null)
    return { ok: false, message: 'audio must be an object with data, sample_rate and encoding' };
  const { data, encoding } = audio as { data?: unknown; encoding?: unknown };
  if (encoding !== STT_AUDIO_ENCODING)
    return {
      ok: false,
      message: `Invalid audio encoding ${JSON.stringify(encoding)}; only ${STT_AUDIO_ENCODING} is supported`,
    };
  if (typeof data !== 'string' || !BASE64.test(data))
    return { ok: false, message: 'Invalid audio data: expected base64' };
  const bytes = Buffer.from(data, 'base64');
  if (!isWav(bytes)) return { ok: true, value: bytes };
  try {
    return { ok: true, value: parseWav(bytes).pcm };
  } catch (err) {
    return { ok: false, message: `Invalid WAV audio: ${(err as Error).message}` };
  }
}
