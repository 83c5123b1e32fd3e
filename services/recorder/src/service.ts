import { applyRetention, BUCKETS, openBucket } from '@audexly/bus';
import { startStage, type RunningStage } from '@audexly/stage';
import { createRecordingStore } from '@audexly/storage';
import type { Logger } from '@audexly/telemetry';
import { createCallRecorder } from './call-recorder.js';
import { loadRecorderConfig } from './config.js';
import { startRetentionSweep, type RetentionSweep } from './retention-sweep.js';

export interface RecorderOverrides {
  /** Claim subject instead of `svc.recorder.claim` (tests isolate themselves this way). */
  claimSubject?: string;
}

const DAY_MS = 86_400_000;

/**
 * Starts the recorder stage: claims calls, and on `call.ended` assembles the stereo WAV from the
 * durable audio capture, stores it (`<callId>.wav` in the JetStream object store, or S3 when
 * `S3_BUCKET` is set) and writes the call record (`calls` KV). Makes call data expire after
 * `RETENTION_DAYS`: bucket and stream max ages on NATS, and a periodic sweep on S3.
 */
export async function startRecorderService(env: Record<string, string | undefined>, log?: Logger, overrides: RecorderOverrides = {}): Promise<RunningStage> {
  const config = loadRecorderConfig(env);
  let sweep: RetentionSweep | undefined;
  const running = await startStage(
    {
      stage: 'recorder',
      config,
      claimSubject: overrides.claimSubject ?? config.RECORDER_CLAIM_SUBJECT,
      createHandler: async ({ bus, metrics, log: serviceLog }) => {
        await applyRetention(bus, { days: config.RETENTION_DAYS });
        const recordings = await createRecordingStore(config, bus);
        if (recordings.kind === 's3') {
          sweep = startRetentionSweep(recordings, { maxAgeMs: config.RETENTION_DAYS * DAY_MS, intervalMs: config.RETENTION_SWEEP_MINUTES * 60_000, log: serviceLog });
        }
        serviceLog.info({ store: recordings.kind, retentionDays: config.RETENTION_DAYS }, 'recordings store ready');
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
    },
    log,
  );
  return {
    ...running,
    stop: async () => {
      await sweep?.stop();
      await running.stop();
    },
  };
}
