import { z } from 'zod';
import { callDescriptorSchema } from './agent.js';
import { eventBase } from './event.js';

/** Why a call ended. */
export const END_REASONS = [
  'caller-hangup', // Exotel `stop` with reason `callended`
  'stopped', // Exotel `stop` with reason `stopped` (flow moved on)
  'socket-closed', // socket closed without `stop`
  'agent-hangup', // the agent ended the call
  'transfer', // handed to a human
  'no-capacity', // a stage had no instance to claim the call
  'error',
  'shutdown', // gateway drain deadline passed
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** `call.<id>.lifecycle` — gateway → all stages of the call. */
export const callStartedSchema = z.object({
  type: z.literal('call.started'),
  ...eventBase,
  call: callDescriptorSchema,
});

export const callEndedSchema = z.object({
  type: z.literal('call.ended'),
  ...eventBase,
  reason: z.enum(END_REASONS),
  /** Free text from Exotel (`stop.reason`) or the close code. */
  detail: z.string().default(''),
  durationMs: z.number(),
  /** Exotel frames missing per `sequence_number` gaps over the call; absent (older gateways) = 0. */
  lostFrames: z.number().int().nonnegative().optional(),
  /**
   * Caller audio (ms) the gateway could not deliver because a NATS outage outlasted what it holds
   * for a call (`AUDIO_HOLD_MS`); absent = 0. Shorter outages cost nothing: the audio is held and
   * delivered when NATS is back.
   */
  audioGapMs: z.number().int().nonnegative().optional(),
  /** Exotel frames whose `sequence_number` went backwards or repeated; absent = 0. */
  reorderedFrames: z.number().int().nonnegative().optional(),
  /**
   * Exotel frames whose `sequence_number` could not be real (not a safe integer, or further ahead
   * than the call's duration allows): ignored for the counts above; absent = 0.
   */
  sequenceAnomalies: z.number().int().nonnegative().optional(),
});

export const lifecycleEventSchema = z.discriminatedUnion('type', [callStartedSchema, callEndedSchema]);
export type CallStarted = z.infer<typeof callStartedSchema>;
export type CallEnded = z.infer<typeof callEndedSchema>;
export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;
