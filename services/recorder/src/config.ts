import { z } from 'zod';
import { env, loadConfig } from '@audexly/config';
import { stageSchema } from '@audexly/stage';
import { storageSchema } from '@audexly/storage';

/** The recorder's environment: the stage variables, the storage variables (`S3_*`, `RETENTION_DAYS`) and its own. */
export const recorderSchema = stageSchema(9104)
  .extend(storageSchema.shape)
  .extend({
    RECORDING_MAX_MINUTES: env
      .int(240)
      .describe('audio past this point of a call is not recorded (bounds memory per call)'),
    EVENT_LOG_TIMEOUT_MS: env
      .int(3000)
      .describe('how long to wait for call.ended in the event log before writing the record'),
    RETENTION_SWEEP_MINUTES: env
      .number(60)
      .describe(
        'how often the recorder deletes recordings older than RETENTION_DAYS from S3 (the object store expires them itself)',
      ),
    RECORDER_CLAIM_SUBJECT: z
      .string()
      .optional()
      .describe('claim subject instead of svc.recorder.claim (isolated test runs only)'),
  });

export type RecorderConfig = ReturnType<typeof loadRecorderConfig>;

export function loadRecorderConfig(vars: Record<string, string | undefined>) {
  return loadConfig(recorderSchema, vars);
}
