import { z } from 'zod';
import { env, loadConfig, sarvamSchema } from '@audexly/config';
import { sampleRateSchema } from '@audexly/protocol';
import { stageSchema } from '@audexly/stage';

/** Default port of the TTS service's /metrics, /livez, /readyz. */
export const TTS_METRICS_PORT = 9103;

export const ttsServiceConfigSchema = stageSchema(TTS_METRICS_PORT)
  .extend(sarvamSchema.shape)
  .extend({
    TTS_STREAMING: env.bool(true).describe('use Sarvam streaming TTS (WebSocket); false uses the REST API'),
    TTS_REST_FALLBACK: env
      .bool(true)
      .describe(
        "with streaming TTS: when a call's socket fails, speak that segment and the rest of the call over REST",
      ),
    TTS_PHRASE_CACHE: env
      .bool(true)
      .describe(
        "greeting cache: synthesise each agent's greeting and phrases once (per voice and rate) and serve them from memory",
      ),
    TTS_PHRASE_CACHE_ENTRIES: z.coerce
      .number()
      .int()
      .min(1)
      .default(500)
      .describe('phrases the greeting cache holds at most (least recently used go first)'),
    TTS_PROVIDER_SAMPLE_RATE: z.coerce
      .number()
      .pipe(sampleRateSchema)
      .optional()
      .describe('rate to ask the provider for, resampled to the call rate (default: the call rate)'),
  });
export type TtsServiceConfig = z.infer<typeof ttsServiceConfigSchema>;

export function loadTtsConfig(environment: Record<string, string | undefined>): Readonly<TtsServiceConfig> {
  return loadConfig(ttsServiceConfigSchema, environment);
}
