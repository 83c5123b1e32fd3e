import { BASE64 } from './stt-audio-message.js';
import type { Checked } from './validate-stt.js';

/**
 * The PCM16LE of one realtime `{"event":"audio_input","audio":"<base64>"}` message (SDK
 * `RealtimeAudioInput`): `audio` is base64 of raw samples in the connection's `encoding` and
 * `sample_rate` — no WAV header, no per-message rate. The fake implements `linear16` only, so the
 * bytes must be whole 16-bit samples: an odd count is refused (a client that cut a sample in two).
 */
export function decodeRealtimeAudio(audio: unknown): Checked<Buffer> {
  if (typeof audio !== 'string') return { ok: false, message: 'audio must be a base64 string' };
  if (!BASE64.test(audio)) return { ok: false, message: 'Invalid audio: expected base64' };
  const bytes = Buffer.from(audio, 'base64');
  if (bytes.byteLength % 2 !== 0)
    return {
      ok: false,
      message: `Invalid audio: ${bytes.byteLength} bytes is not a whole number of 16-bit linear16 samples`,
    };
  return { ok: true, value: bytes };
}
