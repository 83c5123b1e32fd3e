/** What a call session is given by the gateway (its close codes are in close-codes.ts). */
import type { SampleRate } from '@audexly/protocol';
import type { Bus } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import type { AgentChoice } from './agent-directory.js';
import type { ClaimFunction } from './claims.js';
import type { GatewayMetrics } from './metrics.js';
import type { PacerClock } from './pacer.js';
import type { PublishBatch } from './publish-batch.js';
import type { NatsLinkWatch } from './nats-link.js';
import type { StageWatch } from './stage-watch.js';
import type { TransferDecision } from './telephony/transfers.js';

/** The gateway's settings every session follows. */
export interface SessionSettings {
  chunkMs: number;
  chunkMinMs: number;
  chunkMaxMs: number;
  leadMs: number;
  hangupTimeoutMs: number;
  prestartBufferMs: number;
  /** Most audio per call held through a NATS outage (ms). */
  audioHoldMs: number;
  /** A socket that sends no `start` within this long is closed. */
  startTimeoutMs: number;
  bargeIn: boolean;
  /** Inbound messages per second a connection may send; more closes it with 1008. */
  maxMessagesPerS: number;
}

/** What a session needs from the gateway; `S` is the session type (the gateway's registry keeps them). */
export interface SessionDeps<S = unknown> {
  bus: Bus;
  log: Logger;
  metrics: GatewayMetrics;
  settings: SessionSettings;
  /** The agent for the dialled number (falls back to the default agent; never rejects). */
  agentFor(dialled: string): Promise<AgentChoice>;
  claim: ClaimFunction;
  /** `?sample-rate=` (or `sample_rate`) from the upgrade URL. */
  urlSampleRate: string | null;
  /** `outbound` when the api placed the call (its stream token names the agent). */
  direction?: 'inbound' | 'outbound';
  /** Set when the socket was opened with a per-call token: `start.call_sid` must match it. */
  tokenCallSid: string | null;
  /** Stores a transfer decision for Exotel's Connect applet (KV `transfers`). */
  saveTransfer(decision: TransferDecision): Promise<void>;
  /** Batches audio publishes across calls (one NATS write per event-loop turn); absent = publish at once. */
  publishBatch?: PublishBatch;
  /** The pre-recorded apology played when a stage cannot be claimed, per rate; null = none. */
  noCapacityAudio: ReadonlyMap<SampleRate, Buffer> | null;
  clock?: PacerClock;
  /** Called at `start`: false when another live session already has this call id. */
  register(callId: string, session: S): boolean;
  /** Called once, when the session has ended. */
  onEnd(session: S): void;
  /** Stage heartbeats; when given, a stage whose instance is lost mid-call is re-claimed. */
  stageWatch?: StageWatch;
  /** The NATS link for call audio; when given, a call's audio is held through an outage. */
  natsLink?: NatsLinkWatch;
}
