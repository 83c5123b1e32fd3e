import type { SttProvider } from '@audexly/providers';
import { startStage, type RunningStage } from '@audexly/stage';
import type { Logger } from '@audexly/telemetry';
import { createSttHandler } from './call-handler.js';
import { loadSttConfig } from './config.js';
import { sharedSileroModel } from './silero-model.js';
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
  if (config.STT_VAD === 'silero') {
    // Load the model once, before the first call needs it; a failure is logged and calls use the energy VAD.
    await sharedSileroModel().catch((err: unknown) => log?.warn({ err }, 'Silero VAD model did not load; calls will use the energy VAD'));
  }
  return startStage(
    {
      stage: 'stt',
      config,
      claimSubject: overrides.claimSubject,
      createHandler: ({ log: stageLog }) =>
        createSttHandler({
          stt: overrides.provider ? { provider: overrides.provider } : sttProviderFromConfig(config, stageLog),
          preRollMs: config.STT_PRE_ROLL_MS,
          vad: { kind: config.STT_VAD, sileroThreshold: config.STT_VAD_THRESHOLD },
        }),
    },
    log,
  );
}
