import { z } from 'zod';
import { eventBase } from './event.js';

/** `call.<id>.playback` — gateway → llm, recorder: what reached and what was heard by the caller. */
export const playbackStartedSchema = z.object({
  type: z.literal('playback.started'),
  ...eventBase,
  turn: z.number().int().nonnegative(),
  /** Timeline of the first TTS audio of the turn reaching the gateway. */
  firstAudioInMs: z.number(),
  /** Time inside the TTS provider to the first audio of the turn (`Audexly-Provider-Ms`), when it synthesised it. */
  ttsProviderMs: z.number().nonnegative().optional(),
});

export const segmentPlayedSchema = z.object({
  type: z.literal('playback.segment-played'),
  ...eventBase,
  turn: z.number().int().nonnegative(),
  segment: z.number().int().nonnegative(),
  /** Audio of the segment sent to Exotel, in ms. */
  audioMs: z.number().nonnegative(),
});

export const playbackInterruptedSchema = z.object({
  type: z.literal('playback.interrupted'),
  ...eventBase,
  turn: z.number().int().nonnegative(),
  /** Segments whose marks came back before the interruption: all the caller heard in full. */
  heardSegments: z.array(z.number().int().nonnegative()),
});

/**
 * Caller speech began over the agent (`turn.bargeInMode: 'pause'`): the gateway stopped feeding
 * the turn's audio to Exotel (nothing dropped; what Exotel holds, at most the pacer's lead, plays
 * out) until the utterance's transcript decides: `playback.resumed` or `playback.interrupted`.
 */
export const playbackPausedSchema = z.object({
  type: z.literal('playback.paused'),
  ...eventBase,
  turn: z.number().int().nonnegative(),
  /** The caller's utterance that paused it. */
  utterance: z.number().int().positive(),
});

/** The pause ended without an interruption: the turn plays on from where it paused. */
export const playbackResumedSchema = z.object({
  type: z.literal('playback.resumed'),
  ...eventBase,
  turn: z.number().int().nonnegative(),
  utterance: z.number().int().positive(),
  /** `backchannel`: only acknowledgment words; `noise`: no words; `timeout`: no decision in time and the caller was quiet. */
  reason: z.enum(['backchannel', 'noise', 'timeout']),
  /** How long the agent was paused, ms. */
  pausedMs: z.number().nonnegative(),
  /** Where it picked up: where it paused, or the start of the sentence it was in (`turn.resumeFrom`). */
  from: z.enum(['pause', 'sentence']).default('pause'),
});

export const playbackEventSchema = z.discriminatedUnion('type', [
  playbackStartedSchema,
  segmentPlayedSchema,
  playbackInterruptedSchema,
  playbackPausedSchema,
  playbackResumedSchema,
]);
export type PlaybackStarted = z.infer<typeof playbackStartedSchema>;
export type SegmentPlayed = z.infer<typeof segmentPlayedSchema>;
export type PlaybackInterrupted = z.infer<typeof playbackInterruptedSchema>;
export type PlaybackPaused = z.infer<typeof playbackPausedSchema>;
export type PlaybackResumed = z.infer<typeof playbackResumedSchema>;
export type PlaybackEvent = z.infer<typeof playbackEventSchema>;
