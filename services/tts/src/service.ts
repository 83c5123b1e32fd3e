import type { TtsProvider } from '@audexly/providers';
import { startStage, type RunningStage, type RunStageOptions } from '@audexly/stage';
import type { Logger } from '@audexly/telemetry';
import { createTtsHandler } from './call-handler.js';
import { loadTtsConfig, type TtsServiceConfig } from './config.js';
import { PhraseCache } from './phrase-cache.js';
import { createTtsMetrics } from './tts-metrics.js';
import { ttsProviderFromConfig } from './tts-provider.js';

/** What tests (and the local runner) may replace. */
export interface TtsServiceOverrides {
  /** Used instead of Sarvam (e.g. FakeTts). */
  provider?: TtsProvider;
  /** Claim subject instead of `svc.tts.claim`, so tests never meet running services. */
  claimSubject?: string;
}

/** The TTS stage: claims calls and speaks their reply segments on audio.out. */
export function ttsStage(config: Readonly<TtsServiceConfig>, overrides: TtsServiceOverrides = {}): RunStageOptions {
  return {
    stage: 'tts',
    config,
    claimSubject: overrides.claimSubject,
    createHandler: ({ log, metrics }) =>
      createTtsHandler({
        metrics: createTtsMetrics(metrics),
        tts: overrides.provider ? { provider: overrides.provider } : ttsProviderFromConfig(config, log),
        providerSampleRate: config.TTS_PROVIDER_SAMPLE_RATE,
        cache: config.TTS_PHRASE_CACHE ? new PhraseCache(config.TTS_PHRASE_CACHE_ENTRIES) : null,
      }),
  };
}

/** Starts the TTS stage in-process (tests, the local runner) from environment variables. */
export async function startTtsService(
  env: Record<string, string | undefined>,
  log?: Logger,
  overrides: TtsServiceOverrides = {},
): Promise<RunningStage> {
  return await startStage(ttsStage(loadTtsConfig(env), overrides), log);
}
