import { z } from 'zod';
import { loadConfig, sarvamSchema } from '@audexly/config';
import { stageSchema } from '@audexly/stage';

/** Default port of the STT service's /metrics, /livez, /readyz. */
export const STT_METRICS_PORT = 9101;

export const sttConfigSchema = stageSchema(STT_METRICS_PORT)
  .extend(sarvamSchema.shape)
  .extend({
    STT_PRE_ROLL_MS: z.coerce.number().int().min(0).max(2000).default(300).describe('audio kept from before speech starts, so word onsets are not clipped'),
  });
export type SttConfig = z.infer<typeof sttConfigSchema>;

export function loadSttConfig(environment: Record<string, string | undefined>): Readonly<SttConfig> {
  return loadConfig(sttConfigSchema, environment);
}
