/**
 * Exotel Voicebot (AgentStream) wire protocol: a tolerant parser of what Exotel sends and builders
 * of the three messages we may send back (`media`, `mark`, `clear`). See Exotel's "Working with the
 * Stream and Voicebot applet" (support.exotel.com) and its AgentStream WebSocket protocol
 * (developer.exotel.com/docs/agentstream): the messages Exotel sends, the messages a bot may send,
 * and their sample frames.
 *
 * Tolerance rules: numbers may arrive as numbers or numeric strings; keys may be snake_case or
 * camelCase (`stream_sid`/`streamSid`, `call_sid`/`callSid`, `sequence_number`/`sequenceNumber`);
 * `dtmf` may be flat (`{"event":"dtmf","digit":"5"}`); unknown events and keys are ignored. A frame
 * that cannot be understood yields a typed {@link ExotelParseError}; the parser never throws.
 */

import { SAMPLE_RATES, type SampleRate } from '@audexly/protocol';

/** Why a frame was rejected; stable strings, used as a metric label. */
export const PARSE_ERRORS = [
  'invalid-json',
  'not-an-object',
  'missing-event',
  'missing-field',
  'invalid-base64',
  'invalid-digit',
] as const;
export type ParseErrorCode = (typeof PARSE_ERRORS)[number];

export interface ExotelParseError {
  code: ParseErrorCode;
  /** Human-readable detail; never contains payload data or PII. */
  message: string;
  /** The event name when the frame had one. */
  event?: string;
}

interface Base {
  /** `sequence_number`: one counter over the whole stream (start = 1); null when absent. */
  sequenceNumber: number | null;
  /** Top-level `stream_sid`; null when absent. */
  streamSid: string | null;
}

export interface ConnectedFrame {
  event: 'connected';
}

export interface StartFrame extends Base {
  event: 'start';
  /** `start.stream_sid`, else the top-level one. */
  streamSid: string;
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  customParameters: Record<string, string>;
  /** `start.media_format.sample_rate` as a number (not yet validated); null when absent. */
  sampleRate: number | null;
  encoding: string | null;
}

export interface MediaFrame extends Base {
  event: 'media';
  chunk: number | null;
  /** `media.timestamp`: ms since stream start per Exotel. */
  timestampMs: number | null;
  /** Decoded PCM16LE mono. */
  pcm: Buffer;
  track: string | null;
}

export interface DtmfFrame extends Base {
  event: 'dtmf';
  /** 0-9, * or # (PII). */
  digit: string;
  durationMs: number | null;
}

export interface MarkFrame extends Base {
  event: 'mark';
  name: string;
}

export interface StopFrame extends Base {
  event: 'stop';
  callSid: string | null;
  /** `callended`, `stopped`, or whatever Exotel sent; '' when absent. */
  reason: string;
}

/** An event we do not act on (`clear` inbound, `silence`, anything new). */
export interface UnknownFrame extends Base {
  event: 'unknown';
  name: string;
}

export type ExotelFrame = ConnectedFrame | StartFrame | MediaFrame | DtmfFrame | MarkFrame | StopFrame | UnknownFrame;
/** `unknownKeys`: keys we do not know (top level and in the event's object), when there are any. */
export type ParseResult =
  { ok: true; frame: ExotelFrame; unknownKeys?: string[] } | { ok: false; error: ExotelParseError };

const KNOWN_TOP = new Set([
  'event',
  'sequence_number',
  'sequenceNumber',
  'stream_sid',
  'streamSid',
  'start',
  'media',
  'dtmf',
  'mark',
  'stop',
  'digit',
]);
const KNOWN_BODY: Record<string, Set<string>> = {
  start: new Set([
    'stream_sid',
    'streamSid',
    'call_sid',
    'callSid',
    'account_sid',
    'accountSid',
    'from',
    'to',
    'custom_parameters',
    'customParameters',
    'media_format',
    'mediaFormat',
  ]),
  media: new Set(['chunk', 'timestamp', 'payload', 'track']),
  dtmf: new Set(['digit', 'duration']),
  mark: new Set(['name']),
  stop: new Set(['call_sid', 'callSid', 'account_sid', 'accountSid', 'reason']),
};

/** Keys of a known event that we do not read (ignored, but counted and logged at debug). */
function unknownKeysOf(msg: Json, event: string): string[] | undefined {
  let out: string[] | undefined;
  for (const key in msg) if (!KNOWN_TOP.has(key.trim())) (out ??= []).push(key);
  const known = KNOWN_BODY[event];
  const body = msg[event];
  if (known && isObject(body)) for (const key in body) if (!known.has(key.trim())) (out ??= []).push(`${event}.${key}`);
  return out;
}

type Json = Record<string, unknown>;

const DIGIT = /^[0-9*#]$/;
const EQUALS = 0x3d;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** First present value among `keys` (also matching keys with stray whitespace, e.g. `"to "`). */
function pick(obj: Json, ...keys: string[]): unknown {
  for (const key of keys) if (obj[key] !== undefined) return obj[key];
  for (const [raw, value] of Object.entries(obj)) if (keys.includes(raw.trim())) return value;
  return undefined;
}

/** A number, or a numeric string such as `"8000"` or `"8000Hz"`; null otherwise. */
export function numLike(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const trimmed = value.trim().replace(/\s*hz$/i, '');
  if (trimmed === '' || !/^-?\d+(\.\d+)?$/.test(trimmed)) return null;
  return Number(trimmed);
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

function fail(code: ParseErrorCode, message: string, event?: string): ParseResult {
  return { ok: false, error: event === undefined ? { code, message } : { code, message, event } };
}

/**
 * Strict base64 → bytes; null when not base64. Accepts exactly the canonical encoding of some bytes
 * (standard alphabet, zero trailing bits), padded or unpadded, with surrounding whitespace
 * tolerated; refuses any other character (space, `!`, base64url's `-` `_`), `=` anywhere but as
 * the final padding, and a length that cannot be base64.
 *
 * Hot path (every caller frame): Node's decoder skips characters outside the alphabet rather than
 * refusing them, so the decoded bytes are encoded again (native, faster than any JS scan of the
 * text) and must give back the text.
 */
export function decodeBase64(text: string): Buffer | null {
  const clean =
    text.length > 0 && text.charCodeAt(0) > 32 && text.charCodeAt(text.length - 1) > 32 ? text : text.trim();
  const bytes = Buffer.from(clean, 'base64');
  const canonical = bytes.toString('base64');
  if (canonical === clean) return bytes;
  // Unpadded: the text is the canonical encoding without its one or two '='.
  const n = clean.length;
  return n % 4 >= 2 && clean.charCodeAt(n - 1) !== EQUALS && canonical.startsWith(clean) ? bytes : null;
}

function customParameters(value: unknown): Record<string, string> {
  if (isObject(value)) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = str(v);
      if (s !== null) out[k.trim()] = s;
    }
    return out;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isObject(parsed)) return customParameters(parsed);
    } catch {
      // not JSON: try a query string below
    }
    return Object.fromEntries(new URLSearchParams(value.replace(/^\?/, '')));
  }
  return {};
}

function base(msg: Json): Base {
  return {
    sequenceNumber: numLike(pick(msg, 'sequence_number', 'sequenceNumber')),
    streamSid: str(pick(msg, 'stream_sid', 'streamSid')),
  };
}

/** Parses one text frame from Exotel. Never throws. */
export function parseExotelFrame(text: string): ParseResult {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return fail('invalid-json', 'frame is not JSON');
  }
  if (!isObject(msg)) return fail('not-an-object', 'frame is not a JSON object');
  const event = msg.event;
  if (typeof event !== 'string' || event === '') return fail('missing-event', 'frame has no event');
  const result = parseEvent(msg, event);
  if (result.ok) {
    const unknown = unknownKeysOf(msg, event);
    if (unknown) result.unknownKeys = unknown;
  }
  return result;
}

function parseEvent(msg: Json, event: string): ParseResult {
  switch (event) {
    case 'connected':
      return { ok: true, frame: { event: 'connected' } };
    case 'start':
      return parseStart(msg);
    case 'media':
      return parseMedia(msg);
    case 'dtmf':
      return parseDtmf(msg);
    case 'mark': {
      const mark = pick(msg, 'mark');
      const name = isObject(mark) ? str(mark.name) : null;
      if (name === null) return fail('missing-field', 'mark has no name', event);
      return { ok: true, frame: { event: 'mark', ...base(msg), name } };
    }
    case 'stop': {
      const stop = pick(msg, 'stop');
      const body = isObject(stop) ? stop : {};
      return {
        ok: true,
        frame: {
          event: 'stop',
          ...base(msg),
          callSid: str(pick(body, 'call_sid', 'callSid')),
          reason: str(body.reason) ?? '',
        },
      };
    }
    default:
      return { ok: true, frame: { event: 'unknown', ...base(msg), name: event } };
  }
}

function parseStart(msg: Json): ParseResult {
  const start = pick(msg, 'start');
  if (!isObject(start)) return fail('missing-field', 'start has no start object', 'start');
  const top = base(msg);
  const streamSid = str(pick(start, 'stream_sid', 'streamSid')) ?? top.streamSid;
  const callSid = str(pick(start, 'call_sid', 'callSid'));
  if (!streamSid) return fail('missing-field', 'start has no stream_sid', 'start');
  if (!callSid || callSid.trim() === '') return fail('missing-field', 'start has no call_sid', 'start');
  const format = pick(start, 'media_format', 'mediaFormat');
  const formatObj = isObject(format) ? format : {};
  return {
    ok: true,
    frame: {
      event: 'start',
      sequenceNumber: top.sequenceNumber,
      streamSid,
      callSid,
      accountSid: str(pick(start, 'account_sid', 'accountSid')) ?? '',
      from: str(pick(start, 'from')) ?? '',
      to: str(pick(start, 'to')) ?? '',
      customParameters: customParameters(pick(start, 'custom_parameters', 'customParameters')),
      sampleRate: numLike(pick(formatObj, 'sample_rate', 'sampleRate')),
      encoding: str(formatObj.encoding),
    },
  };
}

function parseMedia(msg: Json): ParseResult {
  const media = pick(msg, 'media');
  if (!isObject(media)) return fail('missing-field', 'media has no media object', 'media');
  const payload = media.payload;
  if (typeof payload !== 'string') return fail('missing-field', 'media has no payload', 'media');
  const pcm = decodeBase64(payload);
  if (!pcm) return fail('invalid-base64', 'media payload is not base64', 'media');
  return {
    ok: true,
    frame: {
      event: 'media',
      ...base(msg),
      chunk: numLike(media.chunk),
      timestampMs: numLike(media.timestamp),
      pcm,
      track: str(media.track),
    },
  };
}

function parseDtmf(msg: Json): ParseResult {
  const nested = pick(msg, 'dtmf');
  const body = isObject(nested) ? nested : msg;
  const digit = str(body.digit) ?? str(msg.digit);
  if (digit === null) return fail('missing-field', 'dtmf has no digit', 'dtmf');
  if (!DIGIT.test(digit.trim())) return fail('invalid-digit', 'dtmf digit is not 0-9, * or #', 'dtmf');
  return { ok: true, frame: { event: 'dtmf', ...base(msg), digit: digit.trim(), durationMs: numLike(body.duration) } };
}

export interface RateChoice {
  sampleRate: SampleRate;
  source: 'url' | 'start' | 'default';
  /** Set when a value was present but not one of 8000/16000/24000, or the two sources disagree. */
  warning?: string;
}

function asSampleRate(value: number | null): SampleRate | null {
  return value !== null && (SAMPLE_RATES as readonly number[]).includes(value) ? (value as SampleRate) : null;
}

/**
 * The call's sample rate: `?sample-rate=` (or `sample_rate`) from the upgrade URL, then
 * `start.media_format.sample_rate`, then 8000. Only 8000, 16000 and 24000 are accepted.
 */
export function chooseSampleRate(urlValue: string | null, startValue: number | null): RateChoice {
  const warnings: string[] = [];
  const fromUrl = urlValue === null ? null : numLike(urlValue);
  const urlRate = asSampleRate(fromUrl);
  if (urlValue !== null && urlRate === null)
    warnings.push(`unsupported sample-rate on the URL: ${JSON.stringify(urlValue).slice(0, 20)}`);
  const startRate = asSampleRate(startValue);
  if (startValue !== null && startRate === null) warnings.push(`unsupported media_format.sample_rate: ${startValue}`);
  if (urlRate !== null && startRate !== null && urlRate !== startRate)
    warnings.push(`URL sample-rate ${urlRate} differs from start ${startRate}; using the URL`);
  const choice: RateChoice =
    urlRate !== null
      ? { sampleRate: urlRate, source: 'url' }
      : startRate !== null
        ? { sampleRate: startRate, source: 'start' }
        : { sampleRate: 8000, source: 'default' };
  if (warnings.length > 0) choice.warning = warnings.join('; ');
  return choice;
}

/** `?sample-rate=` (or `sample_rate`) from a request URL; null when absent. */
export function sampleRateFromUrl(url: URL): string | null {
  return url.searchParams.get('sample-rate') ?? url.searchParams.get('sample_rate');
}

/** Bot → Exotel messages. Only these three exist; snake_case `stream_sid` as documented. */
export type ExotelOutbound =
  | { event: 'media'; stream_sid: string; media: { payload: string } }
  | { event: 'mark'; stream_sid: string; mark: { name: string } }
  | { event: 'clear'; stream_sid: string };

/** `media` carrying PCM16LE at the session rate; the caller keeps it a multiple of 320 bytes. */
export function mediaMessage(streamSid: string, pcm: Uint8Array): string {
  const payload = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64');
  // Hot path: a template instead of JSON.stringify; base64 needs no escaping, the sid is escaped once.
  return `{"event":"media","stream_sid":${JSON.stringify(streamSid)},"media":{"payload":"${payload}"}}`;
}

/** `mark`: Exotel echoes it once the audio sent before it has played. */
export function markMessage(streamSid: string, name: string): string {
  return JSON.stringify({ event: 'mark', stream_sid: streamSid, mark: { name } } satisfies ExotelOutbound);
}

/** `clear`: Exotel drops audio sent but not yet played. */
export function clearMessage(streamSid: string): string {
  return JSON.stringify({ event: 'clear', stream_sid: streamSid } satisfies ExotelOutbound);
}
