import type { LlmProvider } from '@audexly/providers';
import { startStage, type RunningStage, type RunStageOptions } from '@audexly/stage';
import type { Logger } from '@audexly/telemetry';
import { createLlmHandler } from './call-handler.js';
import { loadLlmConfig, type LlmServiceConfig } from './config.js';
import { llmProviderFromConfig } from './llm-provider.js';

/** What tests (and the local runner) may replace. */
export interface LlmServiceOverrides {
  /** Used instead of OpenAI (e.g. FakeLlm). */
  provider?: LlmProvider;
  /** Claim subject instead of `svc.llm.claim`, so tests never meet running services. */
  claimSubject?: string;
}

/** The LLM stage: claims calls and answers each caller turn with a streamed reply. */
export function llmStage(config: Readonly<LlmServiceConfig>, overrides: LlmServiceOverrides = {}): RunStageOptions {
  return {
    stage: 'llm',
    config,
    claimSubject: overrides.claimSubject,
    createHandler: ({ log }) =>
      createLlmHandler({
        llm: overrides.provider ? { provider: overrides.provider } : llmProviderFromConfig(config, log),
        idleTimeoutMs: config.LLM_IDLE_TIMEOUT_MS,
        minSegmentChars: config.LLM_MIN_SEGMENT_CHARS,
        retryDelayMs: config.LLM_RETRY_DELAY_MS,
        maxToolRounds: config.LLM_MAX_TOOL_ROUNDS,
        recoveryMinAgeMs: config.LLM_RECOVERY_MIN_AGE_MS,
      }),
  };
}

/** Starts the LLM stage in-process (tests, the local runner) from environment variables. */
export async function startLlmService(
  env: Record<string, string | undefined>,
  log?: Logger,
  overrides: LlmServiceOverrides = {},
): Promise<RunningStage> {
  return await startStage(llmStage(loadLlmConfig(env), overrides), log);
}
