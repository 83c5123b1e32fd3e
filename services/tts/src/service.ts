import type { TtsProvider } from '@audexly/providers';
import { startStage, type RunningStage } from '@audexly/stage';
import type { Logger } from '@audexly/telemetry';
import { createTtsHandler } from './call-handler.js';
import { loadTtsConfig } from './config.js';
import { PhraseCache } from './phrase-cache.js';
import { ttsProviderFromConfig } from './tts-provider.js';

/** What tests (and the local runner) may replace. */
export interface TtsServiceOverrides {
  /** Used instead of Sarvam (e.g. FakeTts). */
  provider?: TtsProvider;
  /** Claim subject instead of `svc.tts.claim`, so tests never meet running services. */
  claimSubject?: string;
}

/** Starts the TTS stage: claims calls and speaks their reply segments on audio.out. */
export async function startTtsService(env: Record<string, string | undefined>, log?: Logger, overrides: TtsServiceOverrides = {}): Promise<RunningStage> {
  const config = loadTtsConfig(env);
  return startStage(
    {
      stage: 'tts',
      config,
      claimSubject: overrides.claimSubject,
      createHandler: ({ log: stageLog }) =>
        createTtsHandler({
          tts: overrides.provider ? { provider: overrides.provider } : ttsProviderFromConfig(config, stageLog),
          providerSampleRate: config.TTS_PROVIDER_SAMPLE_RATE,
          cache: config.TTS_PHRASE_CACHE ? new PhraseCache(config.TTS_PHRASE_CACHE_ENTRIES) : null,
        }),
    },
    log,
  );
}
