import { objectNames, openRecordings, RECORDINGS_STORE, type Bus } from '@audexly/bus';
import { resolveRange, sliceStream } from './byte-range.js';
import type { RecordingHead, RecordingMeta, RecordingStore } from './recording-store.js';

type ObjectStore = Awaited<ReturnType<typeof openRecordings>>;
type ObjectInfo = NonNullable<Awaited<ReturnType<ObjectStore['info']>>>;

const CONTENT_TYPE = 'content-type';
const CALL_ID = 'call-id';
/** Metadata lookups in flight at once while listing (3500 objects: 2.5 s one by one). */
const LIST_LOOKUPS_AT_ONCE = 64;

/**
 * A {@link RecordingStore} on the JetStream object store `recordings` (the default). Objects keep
 * `content-type` and `call-id` in their metadata. Ranges are served by reading from the start and
 * skipping to `start` (the object store has no ranged reads); recordings are small enough for it.
 */
export function natsRecordingStore(bus: Bus, objects: ObjectStore, bucket: string = RECORDINGS_STORE): RecordingStore {
  return {
    kind: 'nats-object-store',
    async put(name, data, meta) {
      const info =
        data instanceof Uint8Array
          ? await objects.putBlob({ name, metadata: metadataOf(meta) }, data)
          : await objects.put({ name, metadata: metadataOf(meta) }, data);
      return { store: 'nats-object-store', key: name, bytes: info.size };
    },
    async get(name, range) {
      const info = await objects.info(name);
      if (!info || info.deleted) return null;
      const resolved = range ? resolveRange(range, info.size) : null;
      const result = await objects.get(name);
      if (!result) return null;
      // A failed read errors the stream itself, which its reader sees; don't leave the promise unobserved.
      result.error.then(reportedByStream, reportedByStream);
      const stream = resolved ? sliceStream(result.data, resolved.start, resolved.end) : result.data;
      return { ...headOf(result.info), stream, range: resolved };
    },
    async head(name) {
      const info = await objects.info(name);
      return info && !info.deleted ? headOf(info) : null;
    },
    async delete(name) {
      const info = await objects.info(name);
      if (info && !info.deleted) await objects.delete(name);
    },
    // Not `objects.list()`: see objectNames. Only the names that match are looked up, a batch at a time.
    async *list(options = {}) {
      const names = (await objectNames(bus, bucket)).filter((name) => name.startsWith(options.prefix ?? ''));
      for (let i = 0; i < names.length; i += LIST_LOOKUPS_AT_ONCE) {
        const batch = names.slice(i, i + LIST_LOOKUPS_AT_ONCE);
        for (const info of await Promise.all(batch.map((name) => objects.info(name))))
          if (info && !info.deleted) yield { key: info.name, size: info.size, storedAt: new Date(info.mtime) };
      }
    },
  };
}

/** Opens the recordings object store on `bus` (or, for tests, the object store `bucket`) as a {@link RecordingStore}. */
export async function openNatsRecordingStore(bus: Bus, bucket: string = RECORDINGS_STORE): Promise<RecordingStore> {
  return natsRecordingStore(bus, await openRecordings(bus, bucket), bucket);
}

function metadataOf(meta: RecordingMeta): Record<string, string> {
  return { ...meta.metadata, [CONTENT_TYPE]: meta.contentType, ...(meta.callId ? { [CALL_ID]: meta.callId } : {}) };
}

function headOf(info: ObjectInfo): RecordingHead {
  const { [CONTENT_TYPE]: contentType, [CALL_ID]: callId, ...metadata } = info.metadata ?? {};
  return {
    key: info.name,
    size: info.size,
    contentType: contentType ?? 'application/octet-stream',
    callId: callId ?? null,
    metadata,
    storedAt: new Date(info.mtime),
  };
}

function reportedByStream(): void {}
