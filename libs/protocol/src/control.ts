import { z } from 'zod';
import { eventBase } from './event.js';

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

export const controlEventSchema = z.discriminatedUnion('type', [interruptSchema, hangupSchema, transferSchema, dtmfSchema]);
export type Interrupt = z.infer<typeof interruptSchema>;
export type Hangup = z.infer<typeof hangupSchema>;
export type Transfer = z.infer<typeof transferSchema>;
export type Dtmf = z.infer<typeof dtmfSchema>;
export type ControlEvent = z.infer<typeof controlEventSchema>;
