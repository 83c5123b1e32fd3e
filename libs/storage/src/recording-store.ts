import type { RECORDING_STORES } from '@audexly/protocol';

/** Which backend holds a recording: the value of `recording.store` in a call record. */
export type RecordingStoreKind = (typeof RECORDING_STORES)[number];

/** What is stored with a recording. */
export interface RecordingMeta {
  /** MIME type, e.g. `audio/wav`. */
  contentType: string;
  /** The call the recording belongs to. */
  callId?: string;
  /** Further string pairs (keys: lowercase letters, digits and `-`). */
  metadata?: Record<string, string>;
}

/** Where a recording went: the store and the key to find it again (a call record's `recording`). */
export interface StoredRecording {
  store: RecordingStoreKind;
  key: string;
  /** Size of the stored object. */
  bytes: number;
}

/** What a store knows about a recording without reading it. */
export interface RecordingHead {
  key: string;
  /** Size of the whole object. */
  size: number;
  contentType: string;
  callId: string | null;
  metadata: Record<string, string>;
  /** When it was stored (drives retention). */
  storedAt: Date;
}

/** One entry of {@link RecordingStore.list}. */
export interface RecordingListEntry {
  key: string;
  size: number;
  storedAt: Date;
}

/**
 * Bytes to read: `{ start, end }` with `end` inclusive as in HTTP (`end` past the object is
 * clamped; absent means to the end), or `{ suffix: n }` for the last n bytes (`bytes=-n`).
 */
export type ByteRange = { start: number; end?: number } | { suffix: number };

/** A recording being read: its head, and a stream of the requested bytes. */
export interface RecordingObject extends RecordingHead {
  /** The bytes read: the whole object, or the resolved range when one was asked for. */
  stream: ReadableStream<Uint8Array>;
  /**
   * The resolved range (inclusive, HTTP `Content-Range: bytes start-end/size`), or null when the
   * whole object is streamed. The stream holds `end - start + 1` bytes.
   */
  range: { start: number; end: number } | null;
}

/** A range that starts past the end of the object (HTTP 416, `Content-Range: bytes *\/size`). */
export class RangeNotSatisfiableError extends Error {
  readonly size: number;
  constructor(size: number) {
    super(`the requested range is not satisfiable for an object of ${size} bytes`);
    this.name = 'RangeNotSatisfiableError';
    this.size = size;
  }
}

/** Bytes to store: all at once, or as a stream (S3 buffers a stream before uploading it). */
export type RecordingData = Uint8Array | ReadableStream<Uint8Array>;

/**
 * Somewhere to keep recordings by name (`<callId>.wav`). The JetStream object store is the default
 * (`natsRecordingStore`), S3-compatible storage the alternative (`s3RecordingStore`); services get
 * one from `createRecordingStore(config, bus)`. Reads support byte ranges on both backends (the
 * object store reads and skips up to the start). Failures reject with the backend's error;
 * a missing recording is `null`, never an error.
 */
export interface RecordingStore {
  readonly kind: RecordingStoreKind;
  /** Stores (or replaces) a recording. */
  put(name: string, data: RecordingData, meta: RecordingMeta): Promise<StoredRecording>;
  /**
   * The recording (or the bytes `range` asks for), or null when there is none by that name.
   * Throws {@link RangeNotSatisfiableError} when the range starts past the end. Read or cancel the stream.
   */
  get(name: string, range?: ByteRange): Promise<RecordingObject | null>;
  /** The recording's size and metadata, or null when there is none by that name. */
  head(name: string): Promise<RecordingHead | null>;
  /** Deletes a recording; deleting one that does not exist is not an error. */
  delete(name: string): Promise<void>;
  /** Every recording (whose key starts with `prefix`), in no particular order. */
  list(options?: { prefix?: string }): AsyncIterable<RecordingListEntry>;
}
