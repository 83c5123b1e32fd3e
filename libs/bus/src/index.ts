export { Bus, connectBus, type AudioMessage, type BusOptions, type BusSubscription, type Received } from './bus.js';
export { ClaimServer, claimStage, type ClaimOptions, type ClaimResult, type ClaimServerOptions } from './claims.js';
export { provisionJetStream, openBucket, openRecordings, BUCKETS, EVENTS_STREAM, RECORDINGS_STORE, type BucketName, type ProvisionOptions } from './provision.js';
export { readCallEvents, type ReadEventsOptions } from './event-log.js';
export { injectTrace, extractTrace } from './trace-context.js';
