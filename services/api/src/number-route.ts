import { z } from 'zod';
import type { NumberRoute } from '@audexly/protocol/api';
import { PHONE_MAX_CHARS } from './fields/phone.js';

/** A number → agent route as the `numbers` bucket holds it (key = numberKey(number)); the gateway routes calls by it. */
export const numberRouteSchema = z.object({
  /** E.164. */
  number: z.string(),
  agentId: z.string(),
  telephonyConfigId: z.string().nullable(),
  createdAt: z.iso.datetime(),
}) satisfies z.ZodType<NumberRoute>;
export type { NumberRoute } from '@audexly/protocol/api';

/** POST body: any common number format (`+91…`, `0…`, `91…`, spaces). */
export const numberInputSchema = z.object({
  number: z.string().min(1).max(PHONE_MAX_CHARS),
  agentId: z.string().min(1),
  telephonyConfigId: z.string().min(1).nullable().optional(),
});

/** PUT body: re-point an existing number. */
export const numberUpdateSchema = numberInputSchema.omit({ number: true });
