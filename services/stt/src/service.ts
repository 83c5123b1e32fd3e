import type { SttProvider } from '@audexly/providers';
import { startStage, type RunningStage, type RunStageOptions } from '@audexly/stage';
import type { Logger } from '@audexly/telemetry';
import { createSttHandler } from './call-handler.js';
import { loadSttConfig, type SttConfig } from './config.js';
import { sharedSileroModel } from './silero-model.js';
import { sttProviderFromConfig } from './stt-provider.js';
import { createSttMetrics } from './stt-metrics.js';

/** What tests (and the local runner) may replace. */
export interface SttServiceOverrides {
  /** Used instead of Sarvam (e.g. FakeStt). */
  provider?: SttProvider;
  /** Claim subject instead of `svc.stt.claim`, so tests never meet running services. */
  claimSubject?: string;
}

/** The STT stage: claims calls and turns their caller audio into speech events. */
export function sttStage(config: Readonly<SttConfig>, overrides: SttServiceOverrides = {}): RunStageOptions {
  return {
    stage: 'stt',
    config,
    claimSubject: overrides.claimSubject,
    createHandler: async ({ log, metrics }) => {
      if (config.STT_VAD === 'silero') {
        // Load the model once, before the first call needs it; a failure is logged and calls use the energy VAD.
        await sharedSileroModel().catch((err: unknown) =>
          log.warn({ err }, 'Silero VAD model did not load; calls will use the energy VAD'),
        );
      }
      return createSttHandler({
        metrics: createSttMetrics(metrics),
        stt: overrides.provider ? { provider: overrides.provider } : sttProviderFromConfig(config, log),
        preRollMs: config.STT_PRE_ROLL_MS,
        vad: {
          kind: config.STT_VAD,
          sileroThreshold: config.STT_VAD_THRESHOLD,
          silenceGateDbfs: config.STT_VAD_SILENCE_GATE_DBFS,
        },
      });
    },
  };
}

/** Starts the STT stage in-process (tests, the local runner) from environment variables. */
export async function startSttService(
  env: Record<string, string | undefined>,
  log?: Logger,
  overrides: SttServiceOverrides = {},
): Promise<RunningStage> {
  return await startStage(sttStage(loadSttConfig(env), overrides), log);
}
