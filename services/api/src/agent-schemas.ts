import { z } from 'zod';
import { agentConfigSchema } from '@audexly/protocol';
import type { AgentView } from '@audexly/protocol/api';

/** What a client sends to create or replace an agent: every AgentConfig field but the id (the server assigns it). */
export const agentInputSchema = agentConfigSchema.omit({ id: true });
export type AgentInputData = z.infer<typeof agentInputSchema>;

/** An agent as the `agents` bucket holds it (key = id) and the API returns it: AgentConfig plus times. */
export const storedAgentSchema = agentConfigSchema.extend({
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
}) satisfies z.ZodType<AgentView>;
export type StoredAgent = AgentView;

/** Objects merge key by key, anything else (arrays, strings, null) replaces: PATCH semantics. */
export function mergeDeep(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) merged[key] = key in base ? mergeDeep(base[key], value) : value;
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
