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
  /**
   * The transcript is only acknowledgment words ("haan", "ok", "uh-huh", per the agent's
   * `turn.backchannelWords`). Lexical only: whether it interrupts depends on whether the agent was
   * speaking (the gateway's `playback.paused` for this utterance). Absent (older STT) means false.
   */
  backchannel: z.boolean().optional(),
});

/**
 * The utterance had no words (a cough, a knock, noise): there is no `speech.final` for it. Lets the
 * gateway resume an agent paused at its onset, and the LLM restart the idle clock.
 */
export const speechNoiseSchema = z.object({
  type: z.literal('speech.noise'),
  ...eventBase,
  utterance: z.number().int().positive(),
  speechStartMs: z.number(),
  speechEndMs: z.number(),
  /** Seconds of audio billed by the provider for this utterance. */
  audioSeconds: z.number().nonnegative(),
});

/**
 * The transcript so far at a short pause in the caller's turn (`turn.speculate`): the turn may still
 * go on. The LLM may start its answer on it, heard by nobody and kept out of the history until a
 * `speech.final` of the utterance with the same text confirms it; `speech.resumed` voids it.
 */
export const speechTentativeSchema = z.object({
  type: z.literal('speech.tentative'),
  ...eventBase,
  utterance: z.number().int().positive(),
  /** Transcript so far (PII). */
  text: z.string(),
});

/** The caller spoke again after a `speech.tentative` of the utterance: that transcript is void. */
export const speechResumedSchema = z.object({
  type: z.literal('speech.resumed'),
  ...eventBase,
  utterance: z.number().int().positive(),
});

export const speechEventSchema = z.discriminatedUnion('type', [
  speechStartedSchema,
  speechStoppedSchema,
  speechFinalSchema,
  speechNoiseSchema,
  speechTentativeSchema,
  speechResumedSchema,
]);
export type SpeechStarted = z.infer<typeof speechStartedSchema>;
export type SpeechStopped = z.infer<typeof speechStoppedSchema>;
export type SpeechFinal = z.infer<typeof speechFinalSchema>;
export type SpeechNoise = z.infer<typeof speechNoiseSchema>;
export type SpeechTentative = z.infer<typeof speechTentativeSchema>;
export type SpeechResumed = z.infer<typeof speechResumedSchema>;
export type SpeechEvent = z.infer<typeof speechEventSchema>;
