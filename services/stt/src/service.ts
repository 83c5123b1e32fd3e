import type { SttProvider } from '@audexly/providers';
import { startStage, type RunningStage } from '@audexly/stage';
import type { Logger } from '@audexly/telemetry';
import { createSttHandler } from './call-handler.js';
import { loadSttConfig } from './config.js';
import { sttProviderFromConfig } from './stt-provider.js';

/** What tests (and the local runner) may replace. */
export interface SttServiceOverrides {
  /** Used instead of Sarvam (e.g. FakeStt). */
  provider?: SttProvider;
  /** Claim subject instead of `svc.stt.claim`, so tests never meet running services. */
  claimSubject?: string;
}

/** Starts the STT stage: claims calls and turns their caller audio into speech events. */
export async function startSttService(env: Record<string, string | undefined>, log?: Logger, overrides: SttServiceOverrides = {}): Promise<RunningStage> {
  const config = loadSttConfig(env);
  return startStage(
    {
      stage: 'stt',
      config,
      claimSubject: overrides.claimSubject,
      createHandler: ({ log: stageLog }) =>
        createSttHandler({
          stt: overrides.provider ? { provider: overrides.provider } : sttProviderFromConfig(config, stageLog),
          preRollMs: config.STT_PRE_ROLL_MS,
        }),
    },
    log,
  );
}
