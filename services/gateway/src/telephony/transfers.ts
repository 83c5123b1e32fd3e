/**
 * Transfers to a human (exotel.md §5): the Voicebot applet has no transfer API, so the gateway
 * stores the agent's decision in KV `transfers` (key = call id of the CallSid), closes the socket,
 * and Exotel's Connect applet then asks `GET /api/v1/telephony/exotel/transfer-target?CallSid=…`
 * whom to dial.
 */
import { toCallId } from '@audexly/protocol';
import { BUCKETS, openBucket, type Bus } from '@audexly/bus';

/** What KV `transfers` holds per call. */
export interface TransferDecision {
  callId: string;
  callSid: string;
  /** E.164 number to dial (PII). */
  to: string;
  reason: string;
  /** Epoch ms. */
  decidedAt: number;
}

/** Exotel's Connect "dial whom" answer (exotel.md §5, fields as the official bridges send them). */
export interface ConnectTarget {
  fetch_after_attempt: boolean;
  destination: { numbers: string[] };
  record: boolean;
  recording_channels: 'single' | 'dual';
  max_ringing_duration: number;
  max_conversation_duration: number;
  music_on_hold: { type: string };
}

export function connectTarget(decision: TransferDecision): ConnectTarget {
  return {
    fetch_after_attempt: false,
    destination: { numbers: [decision.to] },
    record: true,
    recording_channels: 'dual',
    max_ringing_duration: 45,
    max_conversation_duration: 3600,
    music_on_hold: { type: 'operator_tone' },
  };
}

type KV = Awaited<ReturnType<typeof openBucket>>;

export class TransferStore {
  private kv: Promise<KV> | undefined;

  constructor(private readonly bus: Bus) {}

  private async bucket(): Promise<KV> {
    try {
      this.kv ??= openBucket(this.bus, BUCKETS.transfers);
      return await this.kv;
    } catch (err) {
      this.kv = undefined;
      throw err;
    }
  }

  async save(decision: TransferDecision): Promise<void> {
    await (await this.bucket()).put(decision.callId, JSON.stringify(decision));
  }

  /** The decision for a CallSid, or null when there is none (or the CallSid is unusable). */
  async get(callSid: string): Promise<TransferDecision | null> {
    let key: string;
    try {
      key = toCallId(callSid);
    } catch {
      return null;
    }
    const entry = await (await this.bucket()).get(key);
    if (!entry || entry.operation !== 'PUT') return null;
    return entry.json<TransferDecision>();
  }
}
