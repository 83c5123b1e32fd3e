import { BUCKETS, openBucket, purgeCallMessages, type Bus } from '@audexly/bus';
import { callRecordSchema, outboundBindingKey, type CallRecord } from '@audexly/protocol';
import type { CallDetail, CallPage, CallSummary } from '@audexly/protocol/api';
import type { ByteRange, RecordingObject, RecordingStore } from '@audexly/storage';
import type { Logger } from '@audexly/telemetry';
import { encodeCursor, isAfter, matchesFilters, newestFirst, type CallQuery } from './call-query.js';
import type { StateBuckets } from './state-buckets.js';

type KV = Awaited<ReturnType<typeof openBucket>>;

/** One row of the call list. */
export function summarize(record: CallRecord): CallSummary {
  return {
    callId: record.callId,
    from: record.from,
    to: record.to,
    direction: record.direction,
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

/** What was removed by an erasure. */
export interface Erasure {
  record: boolean;
  recording: boolean;
  /** Messages purged from the event log (and any other stream capturing the call's subjects). */
  messages: number;
}

const READ_CONCURRENCY = 32;

/**
 * Call records (`calls` KV bucket, written by the recorder), recordings (the {@link RecordingStore}:
 * JetStream object store or S3), and what Exotel reported (`passthru`, `outbound` buckets).
 */
export class CallStore {
  constructor(
    private readonly bus: Bus,
    private readonly calls: KV,
    private readonly recordings: RecordingStore,
    private readonly state: StateBuckets,
    private readonly log: Logger,
  ) {}

  static async open(bus: Bus, recordings: RecordingStore, state: StateBuckets, log: Logger): Promise<CallStore> {
    return new CallStore(bus, await openBucket(bus, BUCKETS.calls), recordings, state, log);
  }

  /** A call's record, or null when there is none. */
  async get(callId: string): Promise<CallRecord | null> {
    const entry = await this.calls.get(callId);
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return null;
    const parsed = callRecordSchema.safeParse(entry.json());
    if (!parsed.success) throw new InvalidRecordError(callId);
    return parsed.data;
  }

  /** The record with the Passthru outcome (`exotel`) and the outbound entry (`outbound`) merged in. */
  async detail(callId: string): Promise<CallDetail | null> {
    const [record, passthru, outbound] = await Promise.all([
      this.get(callId),
      this.state.passthru.get(callId),
      this.state.outbound.get(callId),
    ]);
    if (!record) return null;
    const detail: CallDetail = { ...record };
    if (passthru) detail.exotel = passthru;
    if (outbound) detail.outbound = outbound;
    return detail;
  }

  /**
   * One page of the calls that pass the filters, newest first. Reads the whole bucket: fine for
   * thousands of calls; an index by start time is the next step when that stops being enough.
   */
  async page(query: CallQuery): Promise<CallPage> {
    const matching = (await this.list()).filter((record) => matchesFilters(record, query));
    const after = query.after;
    const rest = after ? matching.filter((record) => isAfter(record, after)) : matching;
    const page = rest.slice(0, query.limit);
    const last = page.at(-1);
    return {
      calls: page.map(summarize),
      total: matching.length,
      nextCursor: rest.length > page.length && last ? encodeCursor(last) : null,
    };
  }

  /** Every call record, newest first. */
  async list(): Promise<CallRecord[]> {
    const keys: string[] = [];
    for await (const key of await this.calls.keys()) keys.push(key);
    const records: CallRecord[] = [];
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((key) => this.getForList(key)));
      for (const record of batch) if (record) records.push(record);
    }
    return records.sort(newestFirst);
  }

  /**
   * A call's recording (all of it, or `range`), or null when there is none. The key is the one the
   * record names, else `<callId>.wav`. Throws `RangeNotSatisfiableError` for a range past the end.
   */
  async recording(callId: string, range?: ByteRange): Promise<RecordingObject | null> {
    return this.recordings.get(await this.recordingKey(callId), range);
  }

  private async recordingKey(callId: string): Promise<string> {
    const record = await this.get(callId).catch(() => null);
    return record?.recording?.key ?? `${callId}.wav`;
  }

  /**
   * Erases a call (a caller's erasure request): the record, the recording, what Exotel reported,
   * the outbound entry and its stream token's binding, the transfer decision, and every message of the call in JetStream (event log, audio capture).
   */
  async erase(callId: string): Promise<Erasure> {
    const record = await this.calls.get(callId);
    const hadRecord = record !== null && record.operation === 'PUT' && record.value.length > 0;
    const keys = new Set([`${callId}.wav`, await this.recordingKey(callId)]);
    let recording = false;
    for (const key of keys) {
      if (await this.recordings.head(key)) {
        recording = true;
        await this.recordings.delete(key);
      }
    }
    const transfers = await openBucket(this.bus, BUCKETS.transfers);
    const outbound = await this.state.outbound.get(callId);
    if (outbound) await this.state.outboundBindings.purge(outboundBindingKey(outbound.ref));
    await Promise.all([
      this.calls.purge(callId),
      this.state.passthru.purge(callId),
      this.state.outbound.purge(callId),
      transfers.purge(callId),
    ]);
    const messages = await purgeCallMessages(this.bus, callId);
    return { record: hadRecord, recording, messages };
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
