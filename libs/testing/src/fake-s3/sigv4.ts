import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Why a request's signature was refused, as S3 says it (code, HTTP status, message). */
export interface AuthFailure {
  code:
    | 'AccessDenied'
    | 'InvalidRequest'
    | 'InvalidAccessKeyId'
    | 'SignatureDoesNotMatch'
    | 'AuthorizationHeaderMalformed'
    | 'RequestTimeTooSkewed'
    | 'XAmzContentSHA256Mismatch';
  status: 400 | 403;
  message: string;
}

export interface VerifiedRequest {
  accessKeyId: string;
  signedHeaders: string[];
  /** The `x-amz-content-sha256` the client signed (a hex hash, `UNSIGNED-PAYLOAD` or a `STREAMING-…` mode). */
  payloadHash: string;
  presigned: boolean;
}

export interface SigV4Options {
  credentials: ReadonlyMap<string, string>;
  region: string;
  /** Clock of the fake; requests more than 15 minutes off are refused, as S3 does. */
  now?: () => Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Verifies an AWS Signature Version 4 request the way S3 does: the `Authorization` header (or a
 * presigned URL's `X-Amz-*` query parameters) must name a known access key, a credential scope of
 * `<date>/<region>/s3/aws4_request` matching `x-amz-date`, signed headers including `host` and
 * `x-amz-date`, and a signature equal to the one computed over the canonical request with that
 * key's secret. The payload hash is checked against the body by the caller (it has the body).
 */
export function verifySigV4(req: IncomingMessage, options: SigV4Options): VerifiedRequest | AuthFailure {
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = parseQuery(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
  const headers = headerMap(req);
  const presigned = query.some(([k]) => k === 'X-Amz-Algorithm');

  let credential: string;
  let signedHeaders: string[];
  let signature: string;
  let amzDate: string;
  let payloadHash: string;
  let expiresSeconds: number | null = null;
  if (presigned) {
    const q = new Map(query);
    if (q.get('X-Amz-Algorithm') !== ALGORITHM) return malformed('Unsupported X-Amz-Algorithm');
    credential = q.get('X-Amz-Credential') ?? '';
    signedHeaders = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
    signature = q.get('X-Amz-Signature') ?? '';
    amzDate = q.get('X-Amz-Date') ?? '';
    expiresSeconds = Number(q.get('X-Amz-Expires') ?? 'NaN');
    payloadHash = 'UNSIGNED-PAYLOAD';
  } else {
    const authorization = headers.get('authorization');
    if (!authorization) return { code: 'AccessDenied', status: 403, message: 'Access Denied' };
    if (!authorization.startsWith(`${ALGORITHM} `)) return malformed('Unsupported Authorization Type');
    const fields = new Map(
      authorization
        .slice(ALGORITHM.length + 1)
        .split(',')
        .map((part) => part.trim().split('=', 2) as [string, string | undefined])
        .map(([k, v]) => [k, v ?? '']),
    );
    credential = fields.get('Credential') ?? '';
    signedHeaders = (fields.get('SignedHeaders') ?? '').split(';');
    signature = fields.get('Signature') ?? '';
    amzDate = headers.get('x-amz-date') ?? '';
    const hash = headers.get('x-amz-content-sha256');
    if (!hash)
      return {
        code: 'InvalidRequest',
        status: 400,
        message: 'Missing required header for this request: x-amz-content-sha256',
      };
    payloadHash = hash;
  }

  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = credential.split('/');
  const secret = options.credentials.get(accessKeyId);
  if (!secret)
    return {
      code: 'InvalidAccessKeyId',
      status: 403,
      message: 'The AWS Access Key Id you provided does not exist in our records.',
    };
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date)
    return malformed('The authorization header is malformed; the credential date does not match x-amz-date.');
  if (region !== options.region)
    return malformed(
      `The authorization header is malformed; the region '${region}' is wrong; expecting '${options.region}'`,
    );
  if (service !== 's3' || terminator !== 'aws4_request')
    return malformed('The authorization header is malformed; incorrect service or terminator.');
  if (!signedHeaders.includes('host') || (!presigned && !signedHeaders.includes('x-amz-date'))) {
    return {
      code: 'AccessDenied',
      status: 403,
      message: 'There were headers present in the request which were not signed',
    };
  }
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const now = (options.now ?? (() => new Date()))().getTime();
  if (expiresSeconds !== null) {
    if (!Number.isFinite(expiresSeconds) || now > signedAt + expiresSeconds * 1000)
      return { code: 'AccessDenied', status: 403, message: 'Request has expired' };
  } else if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    return {
      code: 'RequestTimeTooSkewed',
      status: 403,
      message: 'The difference between the request time and the current time is too large.',
    };
  }

  const canonicalQuery = query
    .filter(([k]) => !(presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(headers.get(name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    req.method ?? 'GET',
    path,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = ['aws4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'),
  );
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) {
    return {
      code: 'SignatureDoesNotMatch',
      status: 403,
      message:
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  }
  return { accessKeyId, signedHeaders, payloadHash, presigned };
}

export function isAuthFailure(result: VerifiedRequest | AuthFailure): result is AuthFailure {
  return 'code' in result;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function malformed(message: string): AuthFailure {
  return { code: 'AuthorizationHeaderMalformed', status: 400, message };
}

/** Encodes as SigV4 wants: everything but `A-Z a-z 0-9 - . _ ~` percent-encoded, uppercase hex. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Query pairs decoded (`+` is a literal plus in S3 URLs, not a space). */
function parseQuery(raw: string): [string, string][] {
  if (raw === '') return [];
  return raw.split('&').map((pair) => {
    const at = pair.indexOf('=');
    const k = at === -1 ? pair : pair.slice(0, at);
    const v = at === -1 ? '' : pair.slice(at + 1);
    return [decodeURIComponent(k), decodeURIComponent(v)];
  });
}

/** Lowercased header names → values (repeated headers joined with `,`), from the raw headers. */
function headerMap(req: IncomingMessage): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    map.set(name, map.has(name) ? `${map.get(name)},${value}` : value);
  }
  return map;
}
