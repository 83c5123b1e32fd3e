import { z } from 'zod';
import { PROTOCOL_VERSION } from './event.js';
import { STAGES } from './subjects.js';

/**
 * How often a stage instance asks whether a gateway still holds each call it holds, and after how
 * many "no responders" in a row (with its own NATS connection up throughout) it releases the call.
 * A call whose gateway died without `call.ended` is thus freed within `misses × interval` (plus
 * one request's time), not at the stage's maximum call length.
 */
export const CALL_CHECK_INTERVAL_MS = 30_000;
export const CALL_CHECK_MISSES = 2;

/**
 * `svc.gateway.call.<callId>` — request/reply, stage → the gateway holding the call. Any reply
 * means "held"; "no responders" means no gateway holds the call.
 */
export const callStatusRequestSchema = z.object({
  type: z.literal('gateway.call-status-request'),
  v: z.literal(PROTOCOL_VERSION),
  callId: z.string().min(1),
  stage: z.enum(STAGES),
  /** The asking instance (for logs). */
  instanceId: z.string().min(1),
});

/** What the gateway holding the call answers. */
export const callStatusReplySchema = z.object({
  type: z.literal('gateway.call-status'),
  v: z.literal(PROTOCOL_VERSION),
  callId: z.string().min(1),
  /** `claiming`: the stages are being claimed; `live`: the call runs. */
  state: z.enum(['claiming', 'live']),
});
export type CallStatusRequest = z.infer<typeof callStatusRequestSchema>;
export type CallStatusReply = z.infer<typeof callStatusReplySchema>;
