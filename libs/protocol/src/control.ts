import { z } from 'zod';
import { eventBase } from './event.js';
import { STAGES } from './subjects.js';

/** `call.<id>.control` — any → all stages of the call. Its own subject so audio never delays it. */
export const interruptSchema = z.object({
  type: z.literal('control.interrupt'),
  ...eventBase,
  /** The agent turn being cut off. */
  turn: z.number().int().nonnegative(),
  reason: z.string().default('barge-in'),
});

export const hangupSchema = z.object({
  type: z.literal('control.hangup'),
  ...eventBase,
  reason: z.string().default(''),
  /** Hang up once this turn has been heard (its last mark came back). */
  afterTurn: z.number().int().nonnegative().nullable().default(null),
});

export const transferSchema = z.object({
  type: z.literal('control.transfer'),
  ...eventBase,
  /** E.164 number to dial (PII). */
  to: z.string().min(3),
  reason: z.string().default(''),
  afterTurn: z.number().int().nonnegative().nullable().default(null),
});

export const dtmfSchema = z.object({
  type: z.literal('control.dtmf'),
  ...eventBase,
  /** One of 0-9, *, # (PII). */
  digit: z.string().regex(/^[0-9*#]$/),
  durationMs: z.number().nonnegative().nullable().default(null),
});

/** Why a DTMF collection ended. */
export const DTMF_INPUT_REASONS = ['terminator', 'timeout', 'max'] as const;

/**
 * Digits the caller keyed in, collected by the gateway per the agent's `dtmf` config: until the
 * terminator (not included in `digits`), `timeoutMs` after the last key, or `maxDigits`. One event
 * per collection; the model gets it as one caller input.
 */
export const dtmfInputSchema = z.object({
  type: z.literal('control.dtmf-input'),
  ...eventBase,
  /** The keyed digits in order, without the terminator; may be empty (terminator alone) (PII). */
  digits: z.string().regex(/^[0-9*#]*$/),
  reason: z.enum(DTMF_INPUT_REASONS),
});

/**
 * The gateway re-claimed one stage of the call after its instance fell silent (failover): from now
 * on `instanceId` holds the call for `stage`. Any other instance of that stage still holding the
 * call (one that was only paused and came back) drops it at once and publishes nothing more for it.
 */
export const reassignedSchema = z.object({
  type: z.literal('control.reassigned'),
  ...eventBase,
  stage: z.enum(STAGES),
  /** The new owner. */
  instanceId: z.string().min(1),
  /** The instance declared gone. */
  previousInstanceId: z.string().min(1),
  /** Epoch ms of the last heartbeat the gateway saw from the previous instance (null: none). */
  lastHeartbeatAt: z.number().nullable().default(null),
});

/** Why a stage instance gave a live call up. */
export const RELEASE_REASONS = ['drain-deadline'] as const;

/**
 * A stage instance gave the call up while it was still live (its drain deadline passed): it holds
 * the call no more for `stage` and publishes nothing more for it. The gateway claims the stage
 * again at once (`reclaim: true`, then `control.reassigned`), as when an instance is lost, without
 * waiting for missed heartbeats. From a previous owner (the call already moved) it is ignored.
 */
export const releasedSchema = z.object({
  type: z.literal('control.released'),
  ...eventBase,
  stage: z.enum(STAGES),
  /** The instance that gave the call up. */
  instanceId: z.string().min(1),
  reason: z.enum(RELEASE_REASONS).default('drain-deadline'),
});
/**
 * The STT instance saw a gap in the caller's audio (`Audexly-Seq` jumped): frames `fromSeq` to
 * `toSeq` (inclusive) never reached it — they died in flight with a NATS server. The gateway sends
 * them again from what it keeps of the last second; the STT puts them back in order (and skips
 * repeats), so no word of the caller is lost to a server lost mid-call.
 */
export const audioResendSchema = z.object({
  type: z.literal('control.audio-resend'),
  ...eventBase,
  fromSeq: z.number().int().nonnegative(),
  toSeq: z.number().int().nonnegative(),
});

export const controlEventSchema = z.discriminatedUnion('type', [
  interruptSchema,
  hangupSchema,
  transferSchema,
  dtmfSchema,
  dtmfInputSchema,
  reassignedSchema,
  releasedSchema,
  audioResendSchema,
]);
export type Interrupt = z.infer<typeof interruptSchema>;
export type Hangup = z.infer<typeof hangupSchema>;
export type AudioResend = z.infer<typeof audioResendSchema>;
export type Transfer = z.infer<typeof transferSchema>;
export type Dtmf = z.infer<typeof dtmfSchema>;
export type DtmfInput = z.infer<typeof dtmfInputSchema>;
export type Reassigned = z.infer<typeof reassignedSchema>;
export type Released = z.infer<typeof releasedSchema>;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];
export type DtmfInputReason = (typeof DTMF_INPUT_REASONS)[number];
export type ControlEvent = z.infer<typeof controlEventSchema>;
