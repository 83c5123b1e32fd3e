import type { openRecordings } from '@audexly/bus';

type ObjectStore = Awaited<ReturnType<typeof openRecordings>>;

/** Where a recording went: the store and the key to find it again. */
export interface StoredRecording {
  store: 'nats-object-store' | 's3';
  key: string;
  bytes: number;
}

/** A stored recording being read. */
export interface RecordingObject {
  bytes: number;
  /** Metadata given to {@link RecordingStore.put}. */
  meta: Record<string, string>;
  stream: ReadableStream<Uint8Array>;
}

/**
 * Somewhere to keep recordings by name. The JetStream object store is the default; S3/MinIO can
 * implement the same three operations.
 */
export interface RecordingStore {
  put(name: string, data: Uint8Array, meta: Record<string, string>): Promise<StoredRecording>;
  /** The recording, or null when there is none by that name. */
  get(name: string): Promise<RecordingObject | null>;
  delete(name: string): Promise<void>;
}

/** A {@link RecordingStore} on the JetStream object store (`openRecordings(bus)`). */
export function natsRecordingStore(objects: ObjectStore): RecordingStore {
  return {
    async put(name, data, meta) {
      const info = await objects.putBlob({ name, metadata: meta }, data);
      return { store: 'nats-object-store', key: name, bytes: info.size };
    },
    async get(name) {
      const result = await objects.get(name);
      if (!result) return null;
      // A failed read errors the stream itself, which its reader sees; don't leave the promise unobserved.
      result.error.then(reportedByStream, reportedByStream);
      return { bytes: result.info.size, meta: result.info.metadata ?? {}, stream: result.data };
    },
    async delete(name) {
      await objects.delete(name);
    },
  };
}

function reportedByStream(): void {}
