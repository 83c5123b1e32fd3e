/**
 * The Passthru applet placed after the Voicebot applet reports the stream's outcome
 * (exotel.md §6.1) as `Stream[Status]=…&Stream[Duration]=…` query/form fields, "sometimes" as one
 * JSON string `Stream={…}`, and per [DEV] as lowercase JSON (`status`, `duration`, …). All three
 * are read; the outcome goes to KV `passthru` keyed by call id, where the api merges it into the
 * call record.
 */
import { toCallId } from '@audexly/protocol';
import { BUCKETS, openBucket, type Bus } from '@audexly/bus';

/** What KV `passthru` holds per call id. */
export interface PassthruOutcome {
  /** `completed`, `failed`, … as Exotel sent it; null when absent. */
  status: string | null;
  durationS: number | null;
  /** `bot`, `user` (or [DEV]'s `caller`/`system`); null when absent. */
  disconnectedBy: string | null;
  recordingUrl: string | null;
  streamSid: string | null;
  /** Epoch ms when the gateway received the report. */
  receivedAt: number;
}

type Params = Record<string, unknown>;

function isObject(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim().slice(0, 2048);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** Case-insensitive lookup of the first present key. */
function field(params: Params, ...keys: string[]): string | null {
  const lower = new Map(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
  for (const key of keys) {
    const value = text(lower.get(key.toLowerCase()));
    if (value !== null) return value;
  }
  return null;
}

/** The `Stream` fields, from `Stream[X]` keys, a `Stream` JSON string or object, or flat keys. */
function streamFields(params: Params): Params {
  const nested = params.Stream ?? params.stream;
  if (isObject(nested)) return nested;
  const raw = text(nested);
  if (raw !== null) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isObject(parsed)) return parsed;
    } catch {
      // not JSON: fall through to bracketed and flat keys
    }
  }
  const out: Params = {};
  for (const [key, value] of Object.entries(params)) {
    const match = /^stream\[([^\]]+)\]$/i.exec(key);
    out[match ? match[1]! : key] = value;
  }
  return out;
}

export interface PassthruReport {
  callSid: string | null;
  outcome: PassthruOutcome;
}

export function parsePassthru(params: Params, receivedAt = Date.now()): PassthruReport {
  const stream = streamFields(params);
  const duration = field(stream, 'Duration');
  const durationS = duration !== null && /^\d+(\.\d+)?$/.test(duration) ? Number(duration) : null;
  return {
    callSid: field(params, 'CallSid', 'call_sid') ?? field(stream, 'CallSid', 'call_sid'),
    outcome: {
      status: field(stream, 'Status'),
      durationS,
      disconnectedBy: field(stream, 'DisconnectedBy', 'disconnected_by'),
      recordingUrl: field(stream, 'RecordingUrl', 'recording_url'),
      streamSid: field(stream, 'StreamSID', 'StreamSid', 'stream_sid'),
      receivedAt,
    },
  };
}

type KV = Awaited<ReturnType<typeof openBucket>>;

export class PassthruStore {
  private kv: Promise<KV> | undefined;

  constructor(private readonly bus: Bus) {}

  async save(callSid: string, outcome: PassthruOutcome): Promise<string> {
    const callId = toCallId(callSid);
    try {
      this.kv ??= openBucket(this.bus, BUCKETS.passthru);
      await (await this.kv).put(callId, JSON.stringify(outcome));
    } catch (err) {
      this.kv = undefined;
      throw err;
    }
    return callId;
  }
}
