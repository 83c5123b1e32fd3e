export { StageCall, type OutgoingEvent } from './stage-call.js';
export { StageRuntime, type CallHandler, type StageRuntimeOptions } from './stage-runtime.js';
export { startStage, runStage, stageSchema, type RunningStage, type RunStageOptions, type StageConfig, type StageContext } from './run-stage.js';
