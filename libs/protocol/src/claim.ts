import { z } from 'zod';
import { callDescriptorSchema } from './agent.js';
import { PROTOCOL_VERSION } from './event.js';
import { STAGES } from './subjects.js';

/**
 * `svc.<stage>.claim` — request/reply. The gateway asks; exactly one instance of the stage answers
 * `claim.accepted` after it has subscribed to the call's subjects. An instance at its load limit
 * leaves the queue group, so "no responders" means no capacity; one that fills up between a request
 * and its reply answers `claim.declined` and the gateway tries again.
 */
export const claimRequestSchema = z.object({
  type: z.literal('claim.request'),
  v: z.literal(PROTOCOL_VERSION),
  stage: z.enum(STAGES),
  call: callDescriptorSchema,
  /**
   * A re-claim after failover: the instance that held the call for this stage fell silent. The new
   * instance recovers what it needs from the call's event log instead of starting fresh.
   */
  reclaim: z.boolean().optional(),
});

export const claimAcceptedSchema = z.object({
  type: z.literal('claim.accepted'),
  v: z.literal(PROTOCOL_VERSION),
  stage: z.enum(STAGES),
  callId: z.string(),
  instanceId: z.string(),
});

export const claimDeclinedSchema = z.object({
  type: z.literal('claim.declined'),
  v: z.literal(PROTOCOL_VERSION),
  stage: z.enum(STAGES),
  callId: z.string(),
  instanceId: z.string(),
  reason: z.string(),
});

export const claimReplySchema = z.discriminatedUnion('type', [claimAcceptedSchema, claimDeclinedSchema]);
export type ClaimRequest = z.infer<typeof claimRequestSchema>;
export type ClaimAccepted = z.infer<typeof claimAcceptedSchema>;
export type ClaimDeclined = z.infer<typeof claimDeclinedSchema>;
export type ClaimReply = z.infer<typeof claimReplySchema>;
