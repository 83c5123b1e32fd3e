import { z } from 'zod';
import { loadConfig, openAiSchema } from '@audexly/config';
import { stageSchema } from '@audexly/stage';

/** Default port of the LLM service's /metrics, /livez, /readyz. */
export const LLM_METRICS_PORT = 9102;

export const llmServiceConfigSchema = stageSchema(LLM_METRICS_PORT)
  .extend(openAiSchema.shape)
  .extend({
    LLM_IDLE_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(10_000)
      .describe('longest wait for the next streamed token before the turn fails'),
    LLM_MIN_SEGMENT_CHARS: z.coerce
      .number()
      .int()
      .min(0)
      .default(20)
      .describe('shortest reply segment sent to TTS on its own (the first sentence goes out at once)'),
    LLM_MAX_RETRIES: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('OpenAI SDK retries before the stream starts (the turn itself retries once, see LLM_RETRY_DELAY_MS)'),
    LLM_RETRY_DELAY_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(150)
      .describe('pause before the one retry of a turn whose model call failed retryably before anything was said'),
    LLM_MAX_TOOL_ROUNDS: z.coerce
      .number()
      .int()
      .min(1)
      .default(4)
      .describe('model calls per turn at most (each tool result starts another)'),
    LLM_RECOVERY_MIN_AGE_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(1500)
      .describe(
        'a claim this long after the call started is a re-claim: the conversation is rebuilt from the event log',
      ),
  });
export type LlmServiceConfig = z.infer<typeof llmServiceConfigSchema>;

export function loadLlmConfig(environment: Record<string, string | undefined>): Readonly<LlmServiceConfig> {
  return loadConfig(llmServiceConfigSchema, environment);
}
