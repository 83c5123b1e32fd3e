import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  RangeNotSatisfiableError,
  type RecordingData,
  type RecordingHead,
  type RecordingStore,
} from './recording-store.js';

/** How to reach an S3-compatible bucket (AWS S3, MinIO, …). */
export interface S3StoreOptions {
  /** e.g. `http://minio:9000`; absent for AWS S3 (the region's endpoint). */
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO needs it). */
  forcePathStyle: boolean;
  /** Prepended to every key, e.g. `recordings/`. */
  keyPrefix?: string;
}

const CALL_ID = 'call-id';

/**
 * A {@link RecordingStore} on an S3-compatible bucket through `@aws-sdk/client-s3`. Checksums are
 * sent and checked only where S3 requires them, which every S3-compatible server understands.
 * Ranged reads are S3's own (`Range` → 206). A stream given to `put` is collected first (S3 needs
 * the length); recordings are bounded by the recorder's maximum call length.
 */
export function s3RecordingStore(options: S3StoreOptions): RecordingStore & { readonly client: S3Client } {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = options.bucket;
  const prefix = options.keyPrefix ?? '';
  const head = async (name: string): Promise<RecordingHead | null> => {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket, Key: prefix + name }));
      return headOf(name, out);
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw err;
    }
  };
  return {
    kind: 's3',
    client,
    async put(name, data, meta) {
      const body = await bytesOf(data);
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: prefix + name,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: meta.contentType,
          Metadata: { ...meta.metadata, ...(meta.callId ? { [CALL_ID]: meta.callId } : {}) },
        }),
      );
      return { store: 's3', key: name, bytes: body.byteLength };
    },
    async get(name, range) {
      let Range: string | undefined;
      if (range) Range = 'suffix' in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end ?? ''}`;
      if (range && 'suffix' in range && range.suffix <= 0)
        throw new RangeNotSatisfiableError((await head(name))?.size ?? 0);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: prefix + name, Range }));
        if (!out.Body) throw new Error(`S3 returned no body for ${name}`);
        // 206 says what it holds in Content-Range; a 200 (range ignored) holds the whole object.
        const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
        const size = served ? Number(served[3]) : (out.ContentLength ?? 0);
        const resolved = served ? { start: Number(served[1]), end: Number(served[2]) } : null;
        return {
          ...headOf(name, { ...out, ContentLength: size }),
          stream: out.Body.transformToWebStream() as ReadableStream<Uint8Array>,
          range: resolved,
        };
      } catch (err) {
        if (err instanceof S3ServiceException && err.name === 'NoSuchKey') return null;
        if (isStatus(err, 416)) {
          const found = await head(name);
          if (!found) return null;
          throw new RangeNotSatisfiableError(found.size);
        }
        throw err;
      }
    },
    head,
    async delete(name) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: prefix + name }));
    },
    async *list(listOptions = {}) {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: prefix + (listOptions.prefix ?? ''), ContinuationToken }),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined) continue;
          yield {
            key: item.Key.slice(prefix.length),
            size: item.Size ?? 0,
            storedAt: item.LastModified ?? new Date(0),
          };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
  };
}

interface S3Head {
  ContentLength?: number;
  ContentType?: string;
  LastModified?: Date;
  Metadata?: Record<string, string>;
}

function headOf(key: string, out: S3Head): RecordingHead {
  const { [CALL_ID]: callId, ...metadata } = out.Metadata ?? {};
  return {
    key,
    size: out.ContentLength ?? 0,
    contentType: out.ContentType ?? 'application/octet-stream',
    callId: callId ?? null,
    metadata,
    storedAt: out.LastModified ?? new Date(0),
  };
}

function isStatus(err: unknown, status: number): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    '$metadata' in err &&
    (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === status
  );
}

async function bytesOf(data: RecordingData): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  const chunks: Uint8Array[] = [];
  for await (const chunk of data) chunks.push(chunk);
  return Buffer.concat(chunks);
}
