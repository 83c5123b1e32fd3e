import { z } from 'zod';
import { loadConfig, sarvamSchema } from '@audexly/config';
import { stageSchema } from '@audexly/stage';
import { VAD_KINDS } from './vad-choice.js';

/** Default port of the STT service's /metrics, /livez, /readyz. */
export const STT_METRICS_PORT = 9101;

export const sttConfigSchema = stageSchema(STT_METRICS_PORT)
  .extend(sarvamSchema.shape)
  .extend({
    STT_VAD: z
      .enum(VAD_KINDS)
      .default('silero')
      .describe('voice activity detector: silero (ONNX model, default) or energy (fallback, no model)'),
    STT_VAD_THRESHOLD: z.coerce
      .number()
      .min(0.05)
      .max(0.95)
      .default(0.5)
      .describe('Silero speech probability that starts speech (speech continues down to threshold - 0.15)'),
    STT_VAD_SILENCE_GATE_DBFS: z.coerce
      .number()
      .min(-120)
      .max(-30)
      .default(-55)
      .describe(
        'outside speech, after 320 ms of quiet, a 32 ms window of caller audio quieter than this (dBFS) is silence without running the Silero model (an idle line sits near -65); -120 runs the model on every window',
      ),
    STT_SARVAM_ENDPOINT: z
      .enum(['streaming', 'realtime'])
      .default('streaming')
      .describe(
        "Sarvam's socket for live transcription: streaming (/speech-to-text/ws, final transcripts only) or realtime (/speech-to-text-realtime/ws, beta access needed: interim transcripts, so a speculative answer and the end of turn by what was said start at the pause instead of one STT round trip later)",
      ),
    STT_FLUSH_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(30_000)
      .default(2500)
      .describe(
        'an utterance whose streaming transcript has not come back this long after its flush is transcribed over REST',
      ),
    STT_FLUSH_GRACE_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(2000)
      .default(150)
      .describe(
        'how long a flush that Sarvam owes nothing for (it already sent the utterance on its own end of speech) waits for an answer that may never come',
      ),
    STT_PRE_ROLL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(2000)
      .default(300)
      .describe('audio kept from before speech starts, so word onsets are not clipped'),
  });
export type SttConfig = z.infer<typeof sttConfigSchema>;

export function loadSttConfig(environment: Record<string, string | undefined>): Readonly<SttConfig> {
  return loadConfig(sttConfigSchema, environment);
}
