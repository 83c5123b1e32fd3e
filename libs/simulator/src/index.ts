export {
  simulateCall,
  type ClearRecord,
  type SimulateCallOptions,
  type SimulatedCall,
  type TurnResult,
} from './simulate-call.js';
export { prepareTurn, speechEndMs, speechOnsetMs, type CallerTurn, type PreparedTurn } from './caller-turns.js';
export { PlayoutModel, type AdvanceResult, type PlayoutGap } from './playout.js';
export { checkOutbound, FRAME_BYTES, MAX_CHUNK_BYTES, type CheckResult, type CheckedMessage } from './checks.js';
export { loadCallerAudio, type CallerAudioInput, type CallerTurnAudio } from './caller-audio.js';
export { formatReport } from './report.js';
export { apiReachable, fetchCallRecord, type CallRecordView, type FetchRecordOptions } from './call-record.js';
