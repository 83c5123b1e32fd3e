import { z } from 'zod';
import type { OutboundCall } from '@audexly/protocol/api';
import { PHONE_MAX_CHARS } from './fields/phone.js';

export const OUTBOUND_MODES = ['stream', 'flow'] as const;

/** POST /api/v1/calls/outbound. */
export const outboundInputSchema = z
  .object({
    /** The customer's number, any common format. */
    to: z.string().min(1).max(PHONE_MAX_CHARS),
    /** Required in `stream` mode (its sample rate goes into the StreamUrl and the gateway takes the agent from the token). */
    agentId: z.string().min(1).optional(),
    telephonyConfigId: z.string().min(1),
    /** `stream`: Exotel connects the call straight to our gateway (Connect Voice AI). `flow`: into an App Bazaar flow. */
    mode: z.enum(OUTBOUND_MODES).default('stream'),
    /** The flow's app id (`flow` mode). */
    appId: z
      .string()
      .regex(/^\d{1,20}$/, 'must be the numeric id of the Exotel flow (App Bazaar app)')
      .optional(),
    /** ExoPhone to call from, any common format; defaults to the telephony config's callerId. */
    callerId: z.string().min(1).max(PHONE_MAX_CHARS).optional(),
    record: z.boolean().optional(),
    /** Seconds, at most 14400 (Exotel's limit). */
    timeLimitS: z.number().int().min(1).max(14_400).optional(),
    /** Passed to Exotel (≤ 128 characters). */
    customField: z.string().max(128).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.mode === 'stream' && body.agentId === undefined)
      ctx.addIssue({ code: 'custom', path: ['agentId'], message: 'is required in stream mode' });
    if (body.mode === 'flow' && body.appId === undefined)
      ctx.addIssue({ code: 'custom', path: ['appId'], message: 'is required in flow mode' });
  });

/** One status callback Exotel delivered. */
export const outboundCallbackSchema = z.object({
  eventType: z.string().nullable(),
  status: z.string().nullable(),
  dateUpdated: z.string().nullable(),
  receivedAt: z.iso.datetime(),
});

/**
 * A call placed through the API, as the `outbound` bucket holds it (key = call id, i.e.
 * `toCallId(callSid)`, the id the gateway gives the call when Exotel opens the stream).
 */
export const outboundCallSchema = z.object({
  callId: z.string(),
  /** Exotel's Call Sid. */
  callSid: z.string(),
  /** Our reference, bound to the status callback token. */
  ref: z.string(),
  mode: z.enum(OUTBOUND_MODES),
  /** E.164 of the customer. */
  to: z.string(),
  /** E.164 of the ExoPhone the call came from. */
  callerId: z.string(),
  agentId: z.string().nullable(),
  telephonyConfigId: z.string(),
  appId: z.string().nullable(),
  /** Exotel's status: queued, ringing, in-progress, completed, failed, busy, no-answer, canceled. */
  status: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  answeredAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  conversationDurationS: z.number().nullable(),
  recordingUrl: z.string().nullable(),
  /** Leg details of the last callback that had them (as Exotel sent them). */
  legs: z.array(z.unknown()).nullable(),
  /** Callbacks in arrival order (the last 20). */
  callbacks: z.array(outboundCallbackSchema),
}) satisfies z.ZodType<OutboundCall>;
export type { OutboundCall } from '@audexly/protocol/api';

/** The passthru outcome the gateway stores (key = call id); merged into call detail as `exotel`. */
export const passthruSchema = z.looseObject({});
