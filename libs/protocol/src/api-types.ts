/**
 * `@audexly/protocol/api`: what the api answers, as its handlers are typed and the dashboard reads
 * it. Types only — what it takes from the schema modules is `import type` and erased — so a
 * browser bundle gets nothing of zod from here.
 */
import type { AgentConfig } from './agent.js';
import type { CallRecord, CallStatus } from './call-record.js';
import type { AnyEvent } from './families.js';
import type { EndReason } from './lifecycle.js';
import type { Stage } from './subjects.js';

export type { AgentConfig, AgentConfigInput, SampleRate } from './agent.js';
export type { CallRecord, CallTurn, CallError, TranscriptLine, TurnLatency } from './call-record.js';
export type { Stage } from './subjects.js';

/** `inbound`: Exotel called us; `outbound`: the api placed the call. */
export type CallDirection = CallRecord['direction'];

// ---------------------------------------------------------------------------------------------
// Errors

/** One thing wrong with one field of a request: where (`tools.transferNumber`) and why, for people. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * The body of every answer that is not 2xx. A 422 (the request is well-formed, its fields' values
 * are not) also lists each wrong field, so a client can show it beside the field.
 */
export interface ApiErrorBody {
  error: { code: string; message: string; problems?: FieldProblem[] };
}

// ---------------------------------------------------------------------------------------------
// Calls

/** One row of `GET /api/v1/calls`. */
export interface CallSummary {
  callId: string;
  from: string;
  to: string;
  direction: CallDirection;
  agent: { id: string; name: string };
  startedAt: string;
  durationMs: number;
  endReason: EndReason | null;
  status: CallStatus;
  turns: number;
  hasRecording: boolean;
}

/** `GET /api/v1/calls`: a page of the newest-first call list. */
export interface CallPage {
  calls: CallSummary[];
  /** Calls that pass the filters (all pages). */
  total: number;
  /** Give it back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A call that has started and not ended (`GET /api/v1/calls/live`). */
export interface LiveCall {
  callId: string;
  callSid: string;
  /** ISO 8601 wall clock of timeline 0. */
  startedAt: string;
  /** Whole milliseconds since then, at the time of the answer. */
  elapsedMs: number;
  from: string;
  to: string;
  direction: CallDirection;
  agent: { id: string; name: string };
  sampleRate: number;
}

/** `GET /api/v1/calls/live`. */
export interface LiveCallList {
  calls: LiveCall[];
}

/** One status callback Exotel delivered for an outbound call. */
export interface OutboundCallback {
  eventType: string | null;
  status: string | null;
  dateUpdated: string | null;
  receivedAt: string;
}

/** A call placed through `POST /api/v1/calls/outbound`, with its status callbacks. */
export interface OutboundCall {
  /** The id the gateway gives the call when Exotel opens the stream (`toCallId(callSid)`). */
  callId: string;
  /** Exotel's Call Sid. */
  callSid: string;
  /** Our reference, bound to the status callback token. */
  ref: string;
  mode: 'stream' | 'flow';
  /** E.164 of the customer. */
  to: string;
  /** E.164 of the ExoPhone the call came from. */
  callerId: string;
  agentId: string | null;
  telephonyConfigId: string;
  appId: string | null;
  /** Exotel's status: queued, ringing, in-progress, completed, failed, busy, no-answer, canceled. */
  status: string;
  createdAt: string;
  updatedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  conversationDurationS: number | null;
  recordingUrl: string | null;
  /** Leg details of the last callback that had them (as Exotel sent them). */
  legs: unknown[] | null;
  /** Callbacks in arrival order (the last 20). */
  callbacks: OutboundCallback[];
}

/** `GET /api/v1/calls/outbound`, newest first. */
export interface OutboundCallList {
  calls: OutboundCall[];
}

/** `POST /api/v1/calls/outbound` (202): the call Exotel accepted. */
export interface OutboundCallPlaced {
  callId: string;
  callSid: string;
  status: string;
  mode: OutboundCall['mode'];
}

/** `GET /api/v1/calls/:id`: the record plus what Exotel reported (passthru) and the outbound entry, when known. */
export type CallDetail = CallRecord & {
  /** The Passthru applet's stream outcome ({status, durationS, disconnectedBy, recordingUrl, streamSid, receivedAt}). */
  exotel?: Record<string, unknown>;
  /** For calls placed through `/api/v1/calls/outbound`: the outbound entry with its status callbacks. */
  outbound?: OutboundCall;
};

/** `GET /api/v1/calls/:id/transcript`. */
export interface CallTranscript {
  callId: string;
  transcript: CallRecord['transcript'];
}

/** Any event of a call's event log, read field by field: `type`, `timelineMs` and the rest of its fields. */
export interface CallEvent {
  type: AnyEvent['type'];
  timelineMs: number;
  [field: string]: unknown;
}

/**
 * `GET /api/v1/calls/:id/trace`: where the call is in Jaeger. Its trace and span ids are derived
 * from the call id (docs/architecture.md, "Tracing"); `url` is set when the api knows Jaeger's UI
 * (`JAEGER_UI_URL`).
 */
export interface CallTrace {
  callId: string;
  traceId: string;
  url: string | null;
  /** The call's turns (from its record; none while it is live), each a `turn` span. */
  turns: { turn: number; spanId: string; url: string | null }[];
}

/** `GET /api/v1/calls/:id/events`: the call's event log in publication order. */
export interface CallEventLog {
  callId: string;
  events: CallEvent[];
}

// ---------------------------------------------------------------------------------------------
// Configuration: agents, numbers, telephony

/** An agent as the api returns it: its configuration and when it was created and last changed. */
export type AgentView = AgentConfig & { createdAt: string; updatedAt: string };

/** `GET /api/v1/agents`, oldest first. */
export interface AgentList {
  agents: AgentView[];
}

/** A number routed to an agent (`numbers` bucket). */
export interface NumberRoute {
  /** E.164. */
  number: string;
  agentId: string;
  telephonyConfigId: string | null;
  createdAt: string;
}

/** `GET /api/v1/numbers`. */
export interface NumberList {
  numbers: NumberRoute[];
}

/** Exotel's REST regions: `api.exotel.com` (Singapore) or `api.in.exotel.com` (Mumbai). */
export type ExotelRegion = 'api.exotel.com' | 'api.in.exotel.com';

/** An Exotel account as the api shows it: secrets never come back, only whether they are set. */
export interface TelephonyView {
  id: string;
  name: string;
  provider: 'exotel';
  accountSid: string;
  region: ExotelRegion;
  /** Default ExoPhone for outbound calls (E.164). */
  callerId: string | null;
  /** `…` and the key's last 4 characters. */
  apiKey: string;
  hasApiToken: true;
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/v1/telephony-configs`. */
export interface TelephonyList {
  telephonyConfigs: TelephonyView[];
}

// ---------------------------------------------------------------------------------------------
// System

/** One stage instance heard from recently (its last heartbeat). */
export interface StageInstance {
  stage: Stage;
  instanceId: string;
  activeCalls: number;
  maxCalls: number;
  accepting: boolean;
  /** Milliseconds since its last heartbeat arrived. */
  lastSeenMs: number;
}

/** `GET /api/v1/system`. */
export interface SystemStatus {
  nats: {
    connected: boolean;
    /** The server this api is connected to (URL). */
    server: string | null;
    serverName: string | null;
    version: string | null;
    /** Round trip to the server, ms (null when it did not answer). */
    rttMs: number | null;
  };
  eventLog: { stream: string; messages: number; bytes: number; consumers: number } | null;
  buckets: { bucket: string; values: number; bytes: number }[];
  /** Where recordings go; `bytes` is known for the JetStream object store only. */
  recordings: { store: 'nats-object-store' | 's3'; bytes: number | null };
  liveCalls: number;
  instances: StageInstance[];
}
