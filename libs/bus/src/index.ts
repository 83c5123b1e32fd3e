export {
  Bus,
  connectBus,
  registerBusMetrics,
  toAudioMessage,
  type AudioMessage,
  type BusOptions,
  type BusSubscription,
  type ConnectionChange,
  type Received,
} from './bus.js';
export { ClaimServer, claimStage, type ClaimOptions, type ClaimResult, type ClaimServerOptions } from './claims.js';
export {
  provisionJetStream,
  whileClusterSettles,
  openBucket,
  openRecordings,
  BUCKETS,
  EVENTS_STREAM,
  AUDIO_STREAM,
  AUDIO_MAX_MSG_BYTES,
  RECORDINGS_STORE,
  type BucketName,
  type ProvisionOptions,
} from './provision.js';
export { readCallEvents, type ReadEventsOptions } from './event-log.js';
export {
  readCallAudio,
  purgeCallAudio,
  callsWithCapturedAudio,
  type CapturedAudio,
  type ReadCallAudioOptions,
} from './audio-capture.js';
export { applyRetention, RETAINED_STREAMS, type RetentionOptions } from './retention.js';
export { injectTrace, extractTrace } from './trace-context.js';
export { audioCaptureAnswers, purgeCallMessages, streamState, type StreamState } from './jetstream-admin.js';
export { readCallsInProgress } from './recent-lifecycle.js';
export { objectNames } from './object-names.js';
