export {
  RangeNotSatisfiableError,
  type ByteRange,
  type RecordingData,
  type RecordingHead,
  type RecordingListEntry,
  type RecordingMeta,
  type RecordingObject,
  type RecordingStore,
  type RecordingStoreKind,
  type StoredRecording,
} from './recording-store.js';
export { parseRangeHeader, resolveRange } from './byte-range.js';
export { natsRecordingStore, openNatsRecordingStore } from './nats-recording-store.js';
export { s3RecordingStore, type S3StoreOptions } from './s3-recording-store.js';
export { storageSchema, type StorageConfig } from './storage-config.js';
export { createRecordingStore, type RecordingStoreConfig } from './create-recording-store.js';
