/**
 * The shapes the api serves, taken from the protocol package itself (type-only: nothing of it is
 * bundled), plus the api's own list and summary shapes.
 */
export type { AgentConfig, AgentConfigInput } from '../../../../libs/protocol/src/agent.js';
export type { CallRecord, CallTurn, CallError, TranscriptLine, TurnLatency } from '../../../../libs/protocol/src/call-record.js';
export type { StageHeartbeat } from '../../../../libs/protocol/src/heartbeat.js';

import type { CallRecord } from '../../../../libs/protocol/src/call-record.js';

/** One row of `GET /api/v1/calls`. */
export interface CallSummary {
  callId: string;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
  agent: { id: string; name: string };
  startedAt: string;
  durationMs: number;
  endReason: CallRecord['endReason'];
  status: CallRecord['status'];
  turns: number;
  hasRecording: boolean;
}

export interface CallPage {
  calls: CallSummary[];
  total: number;
  nextCursor: string | null;
}

/** A call in progress (`GET /api/v1/calls/live`). */
export interface LiveCall {
  callId: string;
  callSid: string;
  /** ISO 8601 wall clock of timeline 0. */
  startedAt: string;
  elapsedMs: number;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
  agent: { id: string; name: string };
  sampleRate: number;
}

/** `GET /api/v1/calls/:id`: the record plus what Exotel reported (passthru) and the outbound request, when known. */
export type CallDetail = CallRecord & { exotel?: Record<string, unknown>; outbound?: { status: string; mode: string; callerId: string; [field: string]: unknown } };

/** One stage instance heard from (`GET /api/v1/system`). */
export interface StageInstance {
  stage: string;
  instanceId: string;
  activeCalls: number;
  maxCalls: number;
  accepting: boolean;
  /** Milliseconds since its last heartbeat. */
  lastSeenMs: number;
}

/** `GET /api/v1/system`. */
export interface SystemStatus {
  nats: { connected: boolean; server: string | null; serverName: string | null; version: string | null; rttMs: number | null };
  eventLog: { stream: string; messages: number; bytes: number; consumers: number } | null;
  buckets: { bucket: string; values: number; bytes: number }[];
  recordings: { store: string; bytes: number } | null;
  liveCalls: number;
  instances: StageInstance[];
}

/** A number routed to an agent (`numbers` bucket). */
export interface NumberMapping {
  number: string;
  agentId: string;
  telephonyConfigId: string | null;
  createdAt: string;
}

/** An Exotel account; secrets never come back, only whether they are set. */
export interface TelephonyConfig {
  id: string;
  name: string;
  provider: 'exotel';
  accountSid: string;
  region: 'api.exotel.com' | 'api.in.exotel.com';
  /** Default ExoPhone for outbound calls. */
  callerId: string | null;
  /** `…` and the key's last 4 characters. */
  apiKey: string;
  hasApiToken: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Any event of a call's event log: `type`, `timelineMs` and the rest of its fields. */
export interface CallEvent {
  type: string;
  timelineMs: number;
  [field: string]: unknown;
}
