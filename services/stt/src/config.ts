import { z } from 'zod';
import { loadConfig, sarvamSchema } from '@audexly/config';
import { stageSchema } from '@audexly/stage';
import { VAD_KINDS } from './vad-choice.js';

/** Default port of the STT service's /metrics, /livez, /readyz. */
export const STT_METRICS_PORT = 9101;

export const sttConfigSchema = stageSchema(STT_METRICS_PORT)
  .extend(sarvamSchema.shape)
  .extend({
    STT_VAD: z.enum(VAD_KINDS).default('silero').describe('voice activity detector: silero (ONNX model, default) or energy (fallback, no model)'),
    STT_VAD_THRESHOLD: z.coerce.number().min(0.05).max(0.95).default(0.5).describe('Silero speech probability that starts speech (speech continues down to threshold - 0.15)'),
    STT_FLUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2500).describe('an utterance whose streaming transcript has not come back this long after its flush is transcribed over REST'),
    STT_PRE_ROLL_MS: z.coerce.number().int().min(0).max(2000).default(300).describe('audio kept from before speech starts, so word onsets are not clipped'),
  });
export type SttConfig = z.infer<typeof sttConfigSchema>;

export function loadSttConfig(environment: Record<string, string | undefined>): Readonly<SttConfig> {
  return loadConfig(sttConfigSchema, environment);
}
