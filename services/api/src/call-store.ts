import type { openBucket, openRecordings } from '@audexly/bus';
import { callRecordSchema, type CallRecord } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';

type KV = Awaited<ReturnType<typeof openBucket>>;
type ObjectStore = Awaited<ReturnType<typeof openRecordings>>;

/** A stored recording being read. */
export interface RecordingStream {
  bytes: number;
  stream: ReadableStream<Uint8Array>;
}

/** What the API lists for each call. */
export interface CallSummary {
  callId: string;
  from: string;
  to: string;
  agent: { id: string; name: string };
  startedAt: string;
  durationMs: number;
  endReason: CallRecord['endReason'];
  status: CallRecord['status'];
  turns: number;
  hasRecording: boolean;
}

export function summarize(record: CallRecord): CallSummary {
  return {
    callId: record.callId,
    from: record.from,
    to: record.to,
    agent: record.agent,
    startedAt: record.startedAt,
    durationMs: record.durationMs,
    endReason: record.endReason,
    status: record.status,
    turns: record.turns.length,
    hasRecording: record.recording !== null,
  };
}

/** Thrown when a stored record does not match the call record schema. */
export class InvalidRecordError extends Error {
  constructor(readonly callId: string) {
    super(`the stored record of call ${callId} is not a valid call record`);
    this.name = 'InvalidRecordError';
  }
}

const READ_CONCURRENCY = 32;

/** Call records (`calls` KV bucket, written by the recorder) and recordings (object store). */
export class CallStore {
  constructor(
    private readonly calls: KV,
    private readonly recordings: ObjectStore,
    private readonly log: Logger,
  ) {}

  /** A call's record, or null when there is none. */
  async get(callId: string): Promise<CallRecord | null> {
    const entry = await this.calls.get(callId);
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return null;
    const parsed = callRecordSchema.safeParse(entry.json());
    if (!parsed.success) throw new InvalidRecordError(callId);
    return parsed.data;
  }

  /**
   * Every call record, newest first. Reads the whole bucket: fine for thousands of calls; an index
   * by start time is the next step when that stops being enough.
   */
  async list(): Promise<CallRecord[]> {
    const keys: string[] = [];
    for await (const key of await this.calls.keys()) keys.push(key);
    const records: CallRecord[] = [];
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((key) => this.getForList(key)));
      for (const record of batch) if (record) records.push(record);
    }
    return records.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || a.callId.localeCompare(b.callId));
  }

  /** A call's recording as a stream, or null when there is none. */
  async recording(callId: string): Promise<RecordingStream | null> {
    const result = await this.recordings.get(`${callId}.wav`);
    if (!result) return null;
    // The stream reports a failure itself; this only keeps the promise from going unobserved.
    result.error.then(
      (err) => err && this.log.warn({ err, callId }, 'reading a recording failed'),
      (err: unknown) => this.log.warn({ err, callId }, 'reading a recording failed'),
    );
    return { bytes: result.info.size, stream: result.data };
  }

  private async getForList(key: string): Promise<CallRecord | null> {
    try {
      return await this.get(key);
    } catch (err) {
      this.log.warn({ err, callId: key }, 'skipped a call record that cannot be read');
      return null;
    }
  }
}
