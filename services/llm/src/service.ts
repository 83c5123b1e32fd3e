import type { LlmProvider } from '@audexly/providers';
import { startStage, type RunningStage } from '@audexly/stage';
import type { Logger } from '@audexly/telemetry';
import { createLlmHandler } from './call-handler.js';
import { loadLlmConfig } from './config.js';
import { llmProviderFromConfig } from './llm-provider.js';

/** What tests (and the local runner) may replace. */
export interface LlmServiceOverrides {
  /** Used instead of OpenAI (e.g. FakeLlm). */
  provider?: LlmProvider;
  /** Claim subject instead of `svc.llm.claim`, so tests never meet running services. */
  claimSubject?: string;
}

/** Starts the LLM stage: claims calls and answers each caller turn with a streamed reply. */
export async function startLlmService(env: Record<string, string | undefined>, log?: Logger, overrides: LlmServiceOverrides = {}): Promise<RunningStage> {
  const config = loadLlmConfig(env);
  return startStage(
    {
      stage: 'llm',
      config,
      claimSubject: overrides.claimSubject,
      createHandler: ({ log: stageLog, bus }) =>
        createLlmHandler({
          llm: overrides.provider ? { provider: overrides.provider } : llmProviderFromConfig(config, stageLog),
          bus,
          idleTimeoutMs: config.LLM_IDLE_TIMEOUT_MS,
          minSegmentChars: config.LLM_MIN_SEGMENT_CHARS,
          retryDelayMs: config.LLM_RETRY_DELAY_MS,
          maxToolRounds: config.LLM_MAX_TOOL_ROUNDS,
          recoveryMinAgeMs: config.LLM_RECOVERY_MIN_AGE_MS,
        }),
    },
    log,
  );
}
