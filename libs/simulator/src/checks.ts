/**
 * What Exotel accepts from a bot (exotel.md §3, §4.2): only `media`, `mark` and `clear`, with our
 * `stream_sid`; media payloads PCM16LE in multiples of 320 bytes, at most 99 840 bytes.
 */

export const FRAME_BYTES = 320;
export const MAX_CHUNK_BYTES = 99_840;

export type CheckedMessage = { event: 'media'; pcm: Buffer } | { event: 'mark'; name: string } | { event: 'clear' };

export interface CheckResult {
  message: CheckedMessage | null;
  violations: string[];
}

/** Validates one message from the gateway; `message` is null when it cannot be used at all. */
export function checkOutbound(text: string, streamSid: string): CheckResult {
  const violations: string[] = [];
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { message: null, violations: ['message is not JSON'] };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
    return { message: null, violations: ['message is not a JSON object'] };
  const m = msg as Record<string, unknown>;
  const event = m.event;
  if (event !== 'media' && event !== 'mark' && event !== 'clear')
    return { message: null, violations: [`unexpected event ${JSON.stringify(event)}`] };
  if (m.stream_sid !== streamSid)
    violations.push(`${event}: stream_sid ${JSON.stringify(m.stream_sid)} is not ${streamSid}`);
  if (event === 'clear') return { message: { event }, violations };
  if (event === 'mark') {
    const name = (m.mark as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name === '')
      return { message: null, violations: [...violations, 'mark without a name'] };
    return { message: { event, name }, violations };
  }
  const payload = (m.media as { payload?: unknown } | undefined)?.payload;
  if (typeof payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload))
    return { message: null, violations: [...violations, 'media without a base64 payload'] };
  const pcm = Buffer.from(payload, 'base64');
  if (pcm.byteLength === 0) violations.push('media: empty payload');
  if (pcm.byteLength % FRAME_BYTES !== 0) violations.push(`media: ${pcm.byteLength} bytes is not a multiple of 320`);
  if (pcm.byteLength > MAX_CHUNK_BYTES) violations.push(`media: ${pcm.byteLength} bytes is above 99 840`);
  return { message: { event, pcm }, violations };
}
