import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeS3, type FakeS3 } from '../index.js';

const accessKeyId = 'AKIDFAKE';
const secretAccessKey = 'fake-secret-key';
let s3: FakeS3;
let client: S3Client;

function clientWith(
  credentials: { accessKeyId: string; secretAccessKey: string },
  extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {},
): S3Client {
  return new S3Client({
    endpoint: s3.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
    ...extra,
  });
}

async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  s3 = await startFakeS3({ accessKeyId, secretAccessKey, buckets: ['recordings'] });
  // The SDK's defaults (request checksums, aws-chunked where it chooses) must work against the fake.
  client = clientWith({ accessKeyId, secretAccessKey });
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

describe('fake S3 with the AWS SDK as the client', () => {
  const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));

  it('stores an object with its type and metadata and gives it back whole, by range, and by suffix range', async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: 'recordings',
        Key: 'calls/a b+c.wav',
        Body: data,
        ContentType: 'audio/wav',
        Metadata: { 'call-id': 'c1' },
      }),
    );
    expect(s3.requests.at(-1)).toMatchObject({
      operation: 'PutObject',
      key: 'calls/a b+c.wav',
      accessKeyId,
      status: 200,
    });
    expect(s3.requests.at(-1)!.signedHeaders).toEqual(
      expect.arrayContaining(['host', 'x-amz-date', 'x-amz-content-sha256']),
    );

    const whole = await client.send(new GetObjectCommand({ Bucket: 'recordings', Key: 'calls/a b+c.wav' }));
    expect(whole.ContentType).toBe('audio/wav');
    expect(whole.Metadata).toEqual({ 'call-id': 'c1' });
    expect(Buffer.from(await whole.Body!.transformToByteArray()).equals(data)).toBe(true);

    const part = await client.send(
      new GetObjectCommand({ Bucket: 'recordings', Key: 'calls/a b+c.wav', Range: 'bytes=100-199' }),
    );
    expect(s3.requests.at(-1)!.status).toBe(206);
    expect(part.ContentRange).toBe('bytes 100-199/5000');
    expect(part.ContentLength).toBe(100);
    expect(Buffer.from(await part.Body!.transformToByteArray()).equals(data.subarray(100, 200))).toBe(true);

    const tail = await client.send(
      new GetObjectCommand({ Bucket: 'recordings', Key: 'calls/a b+c.wav', Range: 'bytes=-10' }),
    );
    expect(tail.ContentRange).toBe('bytes 4990-4999/5000');
    expect(Buffer.from(await tail.Body!.transformToByteArray()).equals(data.subarray(4990))).toBe(true);
  });

  it('accepts a streamed upload sent aws-chunked with a trailing CRC32, and refuses one whose checksum is wrong', async () => {
    const body = Readable.from([data.subarray(0, 3000), data.subarray(3000)]);
    await client.send(
      new PutObjectCommand({ Bucket: 'recordings', Key: 'streamed', Body: body, ContentLength: data.length }),
    );
    expect(s3.requests.at(-1)!.payloadHash).toMatch(/^STREAMING-/);
    expect(s3.objects('recordings').get('streamed')?.data.equals(data)).toBe(true);
    const err = await errorOf(
      client.send(
        new PutObjectCommand({ Bucket: 'recordings', Key: 'bad-sum', Body: data, ChecksumCRC32: 'AAAAAA==' }),
      ),
    );
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['BadDigest', 400]);
  });

  it('answers a range past the end with 416 InvalidRange', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'recordings', Key: 'short', Body: Buffer.from('abc') }));
    const err = await errorOf(
      client.send(new GetObjectCommand({ Bucket: 'recordings', Key: 'short', Range: 'bytes=10-20' })),
    );
    expect(err.name).toBe('InvalidRange');
    expect(err.$metadata.httpStatusCode).toBe(416);
  });

  it('heads, deletes, and then reports the key missing: NoSuchKey on GET, NotFound on HEAD', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'recordings', Key: 'gone.wav', Body: data }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'recordings', Key: 'gone.wav' }));
    expect(head.ContentLength).toBe(5000);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    await client.send(new DeleteObjectCommand({ Bucket: 'recordings', Key: 'gone.wav' }));
    expect(s3.requests.at(-1)).toMatchObject({ operation: 'DeleteObject', status: 204 });
    const get = await errorOf(client.send(new GetObjectCommand({ Bucket: 'recordings', Key: 'gone.wav' })));
    expect(get.name).toBe('NoSuchKey');
    expect(get.$metadata.httpStatusCode).toBe(404);
    const missing = await errorOf(client.send(new HeadObjectCommand({ Bucket: 'recordings', Key: 'gone.wav' })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
    // Deleting what is not there succeeds, as in S3.
    await client.send(new DeleteObjectCommand({ Bucket: 'recordings', Key: 'gone.wav' }));
  });

  it('lists with a prefix, page by page with continuation tokens, and folds a delimiter into common prefixes', async () => {
    for (const key of ['list/1', 'list/2', 'list/3', 'list/sub/4', 'other/5']) {
      await client.send(new PutObjectCommand({ Bucket: 'recordings', Key: key, Body: Buffer.from(key) }));
    }
    const first = await client.send(new ListObjectsV2Command({ Bucket: 'recordings', Prefix: 'list/', MaxKeys: 2 }));
    expect(first.Contents?.map((c) => [c.Key, c.Size])).toEqual([
      ['list/1', 6],
      ['list/2', 6],
    ]);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(
      new ListObjectsV2Command({
        Bucket: 'recordings',
        Prefix: 'list/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.Contents?.map((c) => c.Key)).toEqual(['list/3', 'list/sub/4']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Contents?.[0]?.LastModified).toBeInstanceOf(Date);
    const folded = await client.send(
      new ListObjectsV2Command({ Bucket: 'recordings', Prefix: 'list/', Delimiter: '/' }),
    );
    expect(folded.Contents?.map((c) => c.Key)).toEqual(['list/1', 'list/2', 'list/3']);
    expect(folded.CommonPrefixes).toEqual([{ Prefix: 'list/sub/' }]);
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    const err = await errorOf(client.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' })));
    expect(err.name).toBe('NoSuchBucket');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('refuses an unknown access key (InvalidAccessKeyId) and a wrong secret (SignatureDoesNotMatch) with 403, storing nothing', async () => {
    const stranger = clientWith({ accessKeyId: 'AKIDOTHER', secretAccessKey });
    const forger = clientWith({ accessKeyId, secretAccessKey: 'wrong' });
    try {
      const unknown = await errorOf(
        stranger.send(new PutObjectCommand({ Bucket: 'recordings', Key: 'x1', Body: Buffer.from('x') })),
      );
      expect([unknown.name, unknown.$metadata.httpStatusCode]).toEqual(['InvalidAccessKeyId', 403]);
      const forged = await errorOf(
        forger.send(new PutObjectCommand({ Bucket: 'recordings', Key: 'x2', Body: Buffer.from('x') })),
      );
      expect([forged.name, forged.$metadata.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
      expect(s3.objects('recordings').has('x1') || s3.objects('recordings').has('x2')).toBe(false);
    } finally {
      stranger.destroy();
      forger.destroy();
    }
  });

  it("refuses an unsigned request with AccessDenied in S3's XML error shape", async () => {
    const res = await fetch(`${s3.url}/recordings/short`);
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message>.*<RequestId>[0-9A-F]+<\/RequestId>/,
    );
  });

  it('refuses a request whose signed body was changed on the way (payload hash mismatch)', async () => {
    const tamper = clientWith({ accessKeyId, secretAccessKey }, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    tamper.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown };
        request.body = Buffer.from('tampered');
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'tamperAfterSigning' },
    );
    try {
      const err = await errorOf(
        tamper.send(new PutObjectCommand({ Bucket: 'recordings', Key: 'tampered', Body: Buffer.from('original') })),
      );
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.name).toBe('XAmzContentSHA256Mismatch');
    } finally {
      tamper.destroy();
    }
  });
});
