import { z } from 'zod';
import { loadConfig, openAiSchema } from '@audexly/config';
import { stageSchema } from '@audexly/stage';

/** Default port of the LLM service's /metrics, /livez, /readyz. */
export const LLM_METRICS_PORT = 9102;

export const llmServiceConfigSchema = stageSchema(LLM_METRICS_PORT)
  .extend(openAiSchema.shape)
  .extend({
    LLM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000).describe('longest wait for the next streamed token before the turn fails'),
    LLM_MIN_SEGMENT_CHARS: z.coerce.number().int().min(0).default(20).describe('shortest reply segment sent to TTS on its own (the first sentence goes out at once)'),
    LLM_MAX_RETRIES: z.coerce.number().int().min(0).default(1).describe('OpenAI SDK retries before the stream starts'),
  });
export type LlmServiceConfig = z.infer<typeof llmServiceConfigSchema>;

export function loadLlmConfig(environment: Record<string, string | undefined>): Readonly<LlmServiceConfig> {
  return loadConfig(llmServiceConfigSchema, environment);
}
