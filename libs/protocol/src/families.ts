import type { z } from 'zod';
import { controlEventSchema } from './control.js';
import { errorEventSchema } from './error.js';
import { lifecycleEventSchema } from './lifecycle.js';
import { playbackEventSchema } from './playback.js';
import { replyEventSchema } from './reply.js';
import { speechEventSchema } from './speech.js';
import type { EventFamily } from './subjects.js';

/** The schema of each text event family, so a subscriber can validate what it receives. */
export const familySchemas = {
  lifecycle: lifecycleEventSchema,
  speech: speechEventSchema,
  reply: replyEventSchema,
  playback: playbackEventSchema,
  control: controlEventSchema,
  error: errorEventSchema,
} as const satisfies Record<EventFamily, z.ZodType>;

export type FamilyEvent<F extends EventFamily> = z.infer<(typeof familySchemas)[F]>;
/** Input shape (defaults optional) of a family's events, for publishers. */
export type FamilyEventInput<F extends EventFamily> = z.input<(typeof familySchemas)[F]>;
export type AnyEvent = FamilyEvent<EventFamily>;

/** Which family an event `type` belongs to. */
export function familyOf(type: string): EventFamily | undefined {
  if (type === 'error') return 'error';
  const prefix = type.split('.')[0];
  switch (prefix) {
    case 'call':
      return 'lifecycle';
    case 'speech':
    case 'reply':
    case 'playback':
    case 'control':
      return prefix;
    default:
      return undefined;
  }
}
