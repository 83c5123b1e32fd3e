export type { CallErrorOptions, CallPort, CallPortHandler, FinishingCallPort, OutgoingEvent } from './call-port.js';
export { StageCall } from './stage-call.js';
export { StageRuntime, type CallHandler, type StageRuntimeOptions } from './stage-runtime.js';
export {
  startStage,
  runStage,
  stageSchema,
  type RunningStage,
  type RunStageOptions,
  type StageConfig,
  type StageContext,
} from './run-stage.js';
export { observePublishes } from './observed-call.js';
