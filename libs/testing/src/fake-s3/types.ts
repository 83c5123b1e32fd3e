/** Options of {@link startFakeS3}. */
export interface FakeS3Options {
  /** The one access key the fake knows (more in `extraCredentials`). */
  accessKeyId: string;
  secretAccessKey: string;
  /** Buckets that exist from the start (there is no CreateBucket). */
  buckets: readonly string[];
  /** Region requests must be signed for; `us-east-1` by default (as MinIO). */
  region?: string;
  /** Further access key id → secret pairs. */
  extraCredentials?: Readonly<Record<string, string>>;
}

/** One request as the fake saw it. */
export interface S3RequestLog {
  method: string;
  /** Path as sent, without the query. */
  path: string;
  query: Record<string, string>;
  bucket: string | null;
  key: string | null;
  /** e.g. `PutObject`, `GetObject`, `ListObjectsV2`; null when unknown. */
  operation: string | null;
  /** Access key id of a valid signature; null when the request was refused before that. */
  accessKeyId: string | null;
  /** Headers the client signed (lowercased). */
  signedHeaders: string[];
  /** `x-amz-content-sha256` as signed: a hex hash, `UNSIGNED-PAYLOAD` or a `STREAMING-…` (aws-chunked) mode. */
  payloadHash: string | null;
  range: string | null;
  status: number;
  /** S3 error code of a failed request. */
  errorCode: string | null;
}

/** An object as the fake keeps it. */
export interface FakeS3Object {
  data: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  etag: string;
  lastModified: Date;
  checksumCrc32: string | null;
}
