/**
 * Decodes an `aws-chunked` request body (what the AWS SDKs send for streaming uploads):
 * `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` repeated, a zero-size chunk, then optional
 * trailing headers (`x-amz-checksum-crc32:…`) and a blank line.
 */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Map<string, string> } {
  const parts: Buffer[] = [];
  const trailers = new Map<string, string>();
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd === -1) throw new Error('aws-chunked body ends inside a chunk header');
    const size = parseInt(body.toString('latin1', at, lineEnd).split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new Error('aws-chunked chunk size is not hex');
    at = lineEnd + 2;
    if (size === 0) break;
    parts.push(body.subarray(at, at + size));
    at += size + 2;
  }
  for (const line of body.toString('latin1', at).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { data: Buffer.concat(parts), trailers };
}
