import { z } from 'zod';

/** Version of every message shape in this package; bump on a breaking change. */
export const PROTOCOL_VERSION = 1 as const;

/**
 * Fields every text event carries. `timelineMs` is the position on the call timeline (ms since the
 * gateway accepted Exotel's `start`) at which the publisher observed what the event reports.
 */
export const eventBase = {
  v: z.literal(PROTOCOL_VERSION),
  callId: z.string().min(1),
  timelineMs: z.number(),
};
