import { createOpenAiLlm, type LlmProvider } from '@audexly/providers';
import type { Logger } from '@audexly/telemetry';
import type { LlmServiceConfig } from './config.js';

/** The model calls use, or why there is none (every turn then fails with an error event and an apology). */
export type LlmChoice = { provider: LlmProvider } | { provider: null; reason: string };

/** OpenAI (or a compatible server) from OPENAI_API_KEY / OPENAI_BASE_URL. */
export function llmProviderFromConfig(
  config: Pick<LlmServiceConfig, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'LLM_MAX_RETRIES'>,
  log: Logger,
): LlmChoice {
  if (!config.OPENAI_API_KEY) {
    log.warn(
      'OPENAI_API_KEY is not set: the language model is unavailable and every caller turn will fail with an error event',
    );
    return { provider: null, reason: 'the language model is not configured (OPENAI_API_KEY is not set)' };
  }
  return {
    provider: createOpenAiLlm({
      apiKey: config.OPENAI_API_KEY,
      baseUrl: config.OPENAI_BASE_URL,
      maxRetries: config.LLM_MAX_RETRIES,
    }),
  };
}
