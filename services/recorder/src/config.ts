import { env, loadConfig } from '@audexly/config';
import { stageSchema } from '@audexly/stage';

/** The recorder's environment: the stage variables plus its own. */
export const recorderSchema = stageSchema(9104).extend({
  RECORDING_MAX_MINUTES: env.int(240).describe('audio past this point of a call is not recorded (bounds memory per call)'),
  EVENT_LOG_TIMEOUT_MS: env.int(3000).describe('how long to wait for call.ended in the event log before writing the record'),
});

export type RecorderConfig = ReturnType<typeof loadRecorderConfig>;

export function loadRecorderConfig(vars: Record<string, string | undefined>) {
  return loadConfig(recorderSchema, vars);
}
