/** What a call session is given by the gateway, and the close codes it uses. */
import type { SampleRate } from '@audexly/protocol';
import type { Bus } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import type { AgentChoice } from './agent-directory.js';
import type { CallSession } from './call-session.js';
import type { ClaimFunction } from './claims.js';
import type { GatewayMetrics } from './metrics.js';
import type { PacerClock } from './pacer.js';
import type { PublishBatch } from './publish-batch.js';
import type { StageWatch } from './stage-watch.js';
import type { TransferDecision } from './telephony/transfers.js';

/** What a session needs from the gateway. */
export interface SessionSettings {
  chunkMs: number;
  chunkMinMs: number;
  chunkMaxMs: number;
  leadMs: number;
  hangupTimeoutMs: number;
  prestartBufferMs: number;
  /** A socket that sends no `start` within this long is closed. */
  startTimeoutMs: number;
  bargeIn: boolean;
  /** Inbound messages per second a connection may send; more closes it with 1008. */
  maxMessagesPerS: number;
}

export interface SessionDeps {
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
  register(callId: string, session: CallSession): boolean;
  /** Called once, when the session has ended. */
  onEnd(session: CallSession): void;
  /** Stage heartbeats; when given, a stage whose instance is lost mid-call is re-claimed. */
  stageWatch?: StageWatch;
}

/** Close codes we use: normal, going away (drain), policy (no start, rate, token), internal error, try again later. */
export const CLOSE = { normal: 1000, goingAway: 1001, policy: 1008, tooBig: 1009, error: 1011, tryAgainLater: 1013 } as const;
