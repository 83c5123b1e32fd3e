import { z } from 'zod';
import { eventBase } from './event.js';

/** `call.<id>.reply` — llm → tts. One agent turn is a run of segments (sentences) then `reply.done`. */
export const replySegmentSchema = z.object({
  type: z.literal('reply.segment'),
  ...eventBase,
  turn: z.number().int().nonnegative(),
  /** 0-based index within the turn. */
  segment: z.number().int().nonnegative(),
  /** Text to speak (PII). */
  text: z.string().min(1),
});

export const replyDoneSchema = z.object({
  type: z.literal('reply.done'),
  ...eventBase,
  turn: z.number().int().nonnegative(),
  /** How many segments the turn has. */
  segments: z.number().int().nonnegative(),
  /** The whole reply text (PII). */
  text: z.string(),
  /** Time to the first token inside the LLM provider, when a model was asked. */
  providerFirstTokenMs: z.number().nonnegative().nullable().default(null),
  usage: z
    .object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative() })
    .nullable()
    .default(null),
});

/**
 * The first sentence of a speculative answer (`turn.speculateTts`), before the turn is confirmed:
 * TTS may synthesise it ahead. It is heard only if the next segment TTS speaks has exactly this
 * text; that segment takes the audio over, any other ends it. Not part of any turn or transcript.
 */
export const replyPrepareSchema = z.object({
  type: z.literal('reply.prepare'),
  ...eventBase,
  /** The utterance the speculation answers. */
  utterance: z.number().int().nonnegative(),
  /** The sentence (PII). */
  text: z.string().min(1),
});

export const replyEventSchema = z.discriminatedUnion('type', [replySegmentSchema, replyDoneSchema, replyPrepareSchema]);
export type ReplySegment = z.infer<typeof replySegmentSchema>;
export type ReplyPrepare = z.infer<typeof replyPrepareSchema>;
export type ReplyDone = z.infer<typeof replyDoneSchema>;
export type ReplyEvent = z.infer<typeof replyEventSchema>;
