/** S3's XML documents: error bodies and ListObjectsV2 results. */

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** `<Error><Code>…</Code><Message>…</Message>…<RequestId>…</RequestId></Error>` as S3 sends it. */
export function errorXml(
  code: string,
  message: string,
  requestId: string,
  extra: Record<string, string | number> = {},
): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join('');
  return `${DECLARATION}<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${fields}<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListResult {
  bucket: string;
  prefix: string;
  delimiter: string | null;
  maxKeys: number;
  startAfter: string | null;
  continuationToken: string | null;
  nextContinuationToken: string | null;
  contents: ListedObject[];
  commonPrefixes: string[];
  encodeKeys: boolean;
}

/** A `ListBucketResult` document of ListObjectsV2. */
export function listXml(r: ListResult): string {
  const enc = (key: string) => escapeXml(r.encodeKeys ? encodeURIComponent(key).replace(/%2F/g, '/') : key);
  const parts = [
    `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`,
    `<Name>${escapeXml(r.bucket)}</Name>`,
    `<Prefix>${enc(r.prefix)}</Prefix>`,
    r.delimiter !== null ? `<Delimiter>${enc(r.delimiter)}</Delimiter>` : '',
    `<KeyCount>${r.contents.length + r.commonPrefixes.length}</KeyCount>`,
    `<MaxKeys>${r.maxKeys}</MaxKeys>`,
    r.encodeKeys ? '<EncodingType>url</EncodingType>' : '',
    `<IsTruncated>${r.nextContinuationToken !== null}</IsTruncated>`,
    r.continuationToken !== null ? `<ContinuationToken>${escapeXml(r.continuationToken)}</ContinuationToken>` : '',
    r.nextContinuationToken !== null
      ? `<NextContinuationToken>${escapeXml(r.nextContinuationToken)}</NextContinuationToken>`
      : '',
    r.startAfter !== null ? `<StartAfter>${enc(r.startAfter)}</StartAfter>` : '',
    ...r.contents.map(
      (o) =>
        `<Contents><Key>${enc(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${escapeXml(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    ),
    ...r.commonPrefixes.map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`),
    `</ListBucketResult>`,
  ];
  return DECLARATION + parts.join('');
}
