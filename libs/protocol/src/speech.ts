import { z } from 'zod';
import { eventBase } from './event.js';

/**
 * `call.<id>.speech` — stt → llm, gateway. Utterances are numbered from 1 per call; the agent turn
 * that answers utterance n is turn n (the greeting is turn 0).
 */
export const speechStartedSchema = z.object({
  type: z.literal('speech.started'),
  ...eventBase,
  utterance: z.number().int().positive(),
  /** Timeline position of the first speech sample. */
  speechStartMs: z.number(),
});

export const speechStoppedSchema = z.object({
  type: z.literal('speech.stopped'),
  ...eventBase,
  utterance: z.number().int().positive(),
  /** Timeline position of the last speech sample, before the end-of-turn silence. */
  speechEndMs: z.number(),
});

export const speechFinalSchema = z.object({
  type: z.literal('speech.final'),
  ...eventBase,
  utterance: z.number().int().positive(),
  /** Transcript (PII). */
  text: z.string(),
  /** Detected or configured language, when the provider says. */
  language: z.string().nullable().default(null),
  speechStartMs: z.number(),
  speechEndMs: z.number(),
  /** Time spent inside the STT provider for this utterance. */
  providerMs: z.number().nonnegative(),
  /** Seconds of audio billed by the provider for this utterance. */
  audioSeconds: z.number().nonnegative(),
});

export const speechEventSchema = z.discriminatedUnion('type', [speechStartedSchema, speechStoppedSchema, speechFinalSchema]);
export type SpeechStarted = z.infer<typeof speechStartedSchema>;
export type SpeechStopped = z.infer<typeof speechStoppedSchema>;
export type SpeechFinal = z.infer<typeof speechFinalSchema>;
export type SpeechEvent = z.infer<typeof speechEventSchema>;
