import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import { readBody } from '../http-io.js';
import { decodeAwsChunked } from './aws-chunked.js';
import { isAuthFailure, sha256Hex, verifySigV4 } from './sigv4.js';
import type { FakeS3Object, FakeS3Options, S3RequestLog } from './types.js';
import { errorXml, listXml, type ListedObject } from './xml.js';

/** A running fake S3 on loopback. */
export interface FakeS3 {
  /** Endpoint for path-style clients, e.g. `http://127.0.0.1:41234` (`forcePathStyle: true`). */
  url: string;
  region: string;
  /** Every request, in order. */
  requests: S3RequestLog[];
  /** What a bucket holds now (for assertions). */
  objects(bucket: string): ReadonlyMap<string, FakeS3Object>;
  close(): Promise<void>;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string | number> = {},
  ) {
    super(message);
  }
}

/**
 * Starts a faithful fake of S3's object API, path-style: PutObject, GetObject (with `Range` → 206
 * and `Content-Range`, unsatisfiable → 416 InvalidRange), HeadObject, DeleteObject, ListObjectsV2,
 * HeadBucket. Every request must carry a valid AWS Signature V4 (header or presigned URL), which
 * is verified in full; payload hashes, `aws-chunked` bodies, `Content-MD5` and CRC32 checksums
 * are checked. Errors are S3's XML documents with S3's codes and statuses.
 */
export async function startFakeS3(options: FakeS3Options): Promise<FakeS3> {
  const region = options.region ?? 'us-east-1';
  const credentials = new Map<string, string>([
    [options.accessKeyId, options.secretAccessKey],
    ...Object.entries(options.extraCredentials ?? {}),
  ]);
  const buckets = new Map<string, Map<string, FakeS3Object>>(options.buckets.map((b) => [b, new Map()]));
  const requests: S3RequestLog[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const log = describe(req);
    requests.push(log);
    handle(req, res, log).catch((err: unknown) => {
      const e =
        err instanceof S3Error
          ? err
          : new S3Error(500, 'InternalError', err instanceof Error ? err.message : String(err));
      log.status = e.status;
      log.errorCode = e.code;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = req.method === 'HEAD' ? '' : errorXml(e.code, e.message, requestId, e.extra);
      res.writeHead(e.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
        'x-amz-request-id': requestId,
      });
      res.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, log: S3RequestLog): Promise<void> {
    const auth = verifySigV4(req, { credentials, region });
    if (isAuthFailure(auth)) {
      await readBody(req);
      throw new S3Error(auth.status, auth.code, auth.message);
    }
    log.accessKeyId = auth.accessKeyId;
    log.signedHeaders = auth.signedHeaders;
    log.payloadHash = auth.payloadHash;
    const body = payloadOf(req, await readBody(req), auth.payloadHash);
    if (!log.bucket) throw new S3Error(501, 'NotImplemented', 'ListBuckets is not implemented by this fake');
    const bucket = buckets.get(log.bucket);
    if (!bucket)
      throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: log.bucket });
    const send = (status: number, headers: Record<string, string | number>, data: Buffer | string = '') => {
      log.status = status;
      res.writeHead(status, { 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(), ...headers });
      res.end(req.method === 'HEAD' ? undefined : data);
    };

    switch (log.operation) {
      case 'HeadBucket':
        return send(200, { 'x-amz-bucket-region': region });
      case 'ListObjectsV2':
        return send(200, { 'content-type': 'application/xml' }, listObjects(log.bucket, bucket, log.query));
      case 'PutObject': {
        const metadata: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (name.startsWith('x-amz-meta-') && typeof value === 'string')
            metadata[name.slice('x-amz-meta-'.length)] = value;
        }
        const object: FakeS3Object = {
          data: body.data,
          contentType: req.headers['content-type'] ?? 'binary/octet-stream',
          metadata,
          etag: `"${createHash('md5').update(body.data).digest('hex')}"`,
          lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),
          checksumCrc32: body.crc32,
        };
        bucket.set(log.key!, object);
        return send(200, {
          etag: object.etag,
          'content-length': 0,
          ...(object.checksumCrc32 ? { 'x-amz-checksum-crc32': object.checksumCrc32 } : {}),
        });
      }
      case 'GetObject':
      case 'HeadObject': {
        const object = bucket.get(log.key!);
        if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: log.key! });
        const headers: Record<string, string | number> = {
          'content-type': object.contentType,
          etag: object.etag,
          'last-modified': object.lastModified.toUTCString(),
          'accept-ranges': 'bytes',
        };
        for (const [k, v] of Object.entries(object.metadata)) headers[`x-amz-meta-${k}`] = v;
        const size = object.data.byteLength;
        const range = rangeOf(req.headers.range, size);
        if (range) {
          return send(
            206,
            {
              ...headers,
              'content-length': range.end - range.start + 1,
              'content-range': `bytes ${range.start}-${range.end}/${size}`,
            },
            object.data.subarray(range.start, range.end + 1),
          );
        }
        if (object.checksumCrc32 && req.headers['x-amz-checksum-mode'] === 'ENABLED')
          headers['x-amz-checksum-crc32'] = object.checksumCrc32;
        return send(200, { ...headers, 'content-length': size }, object.data);
      }
      case 'DeleteObject':
        bucket.delete(log.key!);
        return send(204, {});
      default:
        throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
          Method: req.method ?? '',
          ResourceType: log.key ? 'OBJECT' : 'BUCKET',
        });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    region,
    requests,
    objects: (bucket) => buckets.get(bucket) ?? new Map(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Bucket, key and operation of a path-style request. */
function describe(req: IncomingMessage): S3RequestLog {
  const url = new URL(req.url ?? '/', 'http://fake');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = rest.length > 0 ? decodeURIComponent(rest.join('/')) : null;
  const method = req.method ?? 'GET';
  const query = Object.fromEntries(url.searchParams);
  let operation: string | null = null;
  if (bucket === '') operation = method === 'GET' ? 'ListBuckets' : null;
  else if (key === null || key === '') {
    if (method === 'HEAD') operation = 'HeadBucket';
    else if (method === 'GET' && query['list-type'] === '2') operation = 'ListObjectsV2';
  } else if (
    method === 'PUT' &&
    !('partNumber' in query) &&
    !('uploadId' in query) &&
    !req.headers['x-amz-copy-source']
  )
    operation = 'PutObject';
  else if (
    method === 'GET' &&
    Object.keys(query).every((q) => q === 'x-id' || q.startsWith('X-Amz-') || q.startsWith('response-'))
  )
    operation = 'GetObject';
  else if (method === 'HEAD') operation = 'HeadObject';
  else if (method === 'DELETE' && !('uploadId' in query)) operation = 'DeleteObject';
  return {
    method,
    path: url.pathname,
    query,
    bucket: bucket === '' ? null : decodeURIComponent(bucket),
    key: key === '' ? null : key,
    operation,
    accessKeyId: null,
    signedHeaders: [],
    payloadHash: null,
    range: req.headers.range ?? null,
    status: 0,
    errorCode: null,
  };
}

/**
 * The payload as S3 sees it: `aws-chunked` bodies decoded, the signed payload hash, Content-MD5,
 * the decoded length and a CRC32 checksum (header or trailer) checked.
 */
function payloadOf(req: IncomingMessage, raw: Buffer, payloadHash: string): { data: Buffer; crc32: string | null } {
  let data = raw;
  let trailers = new Map<string, string>();
  if (payloadHash.startsWith('STREAMING-')) {
    ({ data, trailers } = decodeAwsChunked(raw));
    const declared = Number(req.headers['x-amz-decoded-content-length']);
    if (Number.isFinite(declared) && declared !== data.byteLength)
      throw new S3Error(
        400,
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header',
      );
  } else if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256Hex(data)) {
    throw new S3Error(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      {
        ClientComputedContentSHA256: payloadHash,
        S3ComputedContentSHA256: sha256Hex(data),
      },
    );
  }
  const md5 = req.headers['content-md5'];
  if (typeof md5 === 'string' && md5 !== createHash('md5').update(data).digest('base64')) {
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const claimed =
    (req.headers['x-amz-checksum-crc32'] as string | undefined) ?? trailers.get('x-amz-checksum-crc32') ?? null;
  const actual = crc32Base64(data);
  if (claimed !== null && claimed !== actual)
    throw new S3Error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
  return { data, crc32: claimed };
}

function crc32Base64(data: Buffer): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(data) >>> 0);
  return b.toString('base64');
}

/**
 * The byte range a `Range` header selects, null to serve the whole object (no header, or one S3
 * ignores: malformed or several ranges); throws InvalidRange when it starts past the end.
 */
function rangeOf(header: string | undefined, size: number): { start: number; end: number } | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw invalidRange(header!, size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return null;
    if (start >= size) throw invalidRange(header!, size);
  }
  return { start, end };
}

function invalidRange(header: string, size: number): S3Error {
  return new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', {
    RangeRequested: header,
    ActualObjectSize: size,
  });
}

function listObjects(name: string, bucket: Map<string, FakeS3Object>, query: Record<string, string>): string {
  const prefix = query.prefix ?? '';
  const delimiter = query.delimiter ? query.delimiter : null;
  const maxKeys = Math.min(1000, Math.max(0, Number(query['max-keys'] ?? 1000) || 0));
  const token = query['continuation-token'] ?? null;
  const after = token !== null ? Buffer.from(token, 'base64url').toString('utf8') : (query['start-after'] ?? '');
  const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const contents: ListedObject[] = [];
  const commonPrefixes: string[] = [];
  let next: string | null = null;
  for (const key of keys) {
    if (contents.length + commonPrefixes.length >= maxKeys) {
      next = Buffer.from(contents.at(-1)?.key ?? commonPrefixes.at(-1) ?? '', 'utf8').toString('base64url');
      break;
    }
    if (delimiter !== null) {
      const cut = key.indexOf(delimiter, prefix.length);
      if (cut !== -1) {
        const common = key.slice(0, cut + delimiter.length);
        if (!commonPrefixes.includes(common)) commonPrefixes.push(common);
        continue;
      }
    }
    const o = bucket.get(key)!;
    contents.push({ key, size: o.data.byteLength, etag: o.etag, lastModified: o.lastModified });
  }
  return listXml({
    bucket: name,
    prefix,
    delimiter,
    maxKeys,
    startAfter: query['start-after'] ?? null,
    continuationToken: token,
    nextContinuationToken: next,
    contents,
    commonPrefixes,
    encodeKeys: query['encoding-type'] === 'url',
  });
}
