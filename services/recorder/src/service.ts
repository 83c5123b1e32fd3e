import { applyRetention, BUCKETS, openBucket } from '@audexly/bus';
import { startStage, type RunningStage, type RunStageOptions } from '@audexly/stage';
import { createRecordingStore } from '@audexly/storage';
import type { Logger } from '@audexly/telemetry';
import { createCallRecorder } from './call-recorder.js';
import { loadRecorderConfig, type RecorderConfig } from './config.js';
import { startRetentionSweep } from './retention-sweep.js';

export interface RecorderOverrides {
  /** Claim subject instead of `svc.recorder.claim` (tests isolate themselves this way). */
  claimSubject?: string;
}

const DAY_MS = 86_400_000;

/**
 * The recorder stage: claims calls, and on `call.ended` assembles the stereo WAV from the durable
 * audio capture, stores it (`<callId>.wav` in the JetStream object store, or S3 when `S3_BUCKET`
 * is set) and writes the call record (`calls` KV). Makes call data expire after `RETENTION_DAYS`:
 * bucket and stream max ages on NATS, and a periodic sweep on S3.
 */
export function recorderStage(config: RecorderConfig, overrides: RecorderOverrides = {}): RunStageOptions {
  return {
    stage: 'recorder',
    config,
    claimSubject: overrides.claimSubject ?? config.RECORDER_CLAIM_SUBJECT,
    createHandler: async ({ bus, metrics, log, onStop }) => {
      await applyRetention(bus, { days: config.RETENTION_DAYS });
      const recordings = await createRecordingStore(config, bus);
      if (recordings.kind === 's3') {
        const sweep = startRetentionSweep(recordings, {
          maxAgeMs: config.RETENTION_DAYS * DAY_MS,
          intervalMs: config.RETENTION_SWEEP_MINUTES * 60_000,
          log,
        });
        onStop(() => sweep.stop());
      }
      log.info({ store: recordings.kind, retentionDays: config.RETENTION_DAYS }, 'recordings store ready');
      return createCallRecorder({
        bus,
        recordings,
        calls: await openBucket(bus, BUCKETS.calls),
        maxRecordingMs: config.RECORDING_MAX_MINUTES * 60_000,
        eventLogTimeoutMs: config.EVENT_LOG_TIMEOUT_MS,
        retentionDays: config.RETENTION_DAYS,
        metrics,
      });
    },
  };
}

/** Starts the recorder stage in-process (tests, the local runner) from environment variables. */
export async function startRecorderService(
  env: Record<string, string | undefined>,
  log?: Logger,
  overrides: RecorderOverrides = {},
): Promise<RunningStage> {
  return await startStage(recorderStage(loadRecorderConfig(env), overrides), log);
}
