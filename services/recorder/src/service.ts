import { BUCKETS, openBucket, openRecordings } from '@audexly/bus';
import { startStage, type RunningStage } from '@audexly/stage';
import type { Logger } from '@audexly/telemetry';
import { createCallRecorder } from './call-recorder.js';
import { loadRecorderConfig } from './config.js';
import { natsRecordingStore } from './recording-store.js';

export interface RecorderOverrides {
  /** Claim subject instead of `svc.recorder.claim` (tests isolate themselves this way). */
  claimSubject?: string;
}

/**
 * Starts the recorder stage: claims calls, records both sides of each, and on `call.ended` stores
 * the stereo WAV (`<callId>.wav` in the recordings object store) and the call record (`calls` KV).
 */
export function startRecorderService(env: Record<string, string | undefined>, log?: Logger, overrides: RecorderOverrides = {}): Promise<RunningStage> {
  const config = loadRecorderConfig(env);
  return startStage(
    {
      stage: 'recorder',
      config,
      claimSubject: overrides.claimSubject,
      createHandler: async ({ bus, metrics }) =>
        createCallRecorder({
          bus,
          recordings: natsRecordingStore(await openRecordings(bus)),
          calls: await openBucket(bus, BUCKETS.calls),
          maxRecordingMs: config.RECORDING_MAX_MINUTES * 60_000,
          eventLogTimeoutMs: config.EVENT_LOG_TIMEOUT_MS,
          metrics,
        }),
    },
    log,
  );
}
