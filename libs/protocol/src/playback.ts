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

export const playbackEventSchema = z.discriminatedUnion('type', [playbackStartedSchema, segmentPlayedSchema, playbackInterruptedSchema]);
export type PlaybackStarted = z.infer<typeof playbackStartedSchema>;
export type SegmentPlayed = z.infer<typeof segmentPlayedSchema>;
export type PlaybackInterrupted = z.infer<typeof playbackInterruptedSchema>;
export type PlaybackEvent = z.infer<typeof playbackEventSchema>;
