import { z } from 'zod';
import { PROTOCOL_VERSION } from './event.js';
import { STAGES } from './subjects.js';

/** How often a stage instance says it is alive, and after how many missed beats it counts as gone. */
export const HEARTBEAT_INTERVAL_MS = 250;
export const HEARTBEAT_MISSES = 3;

/**
 * `svc.<stage>.heartbeat` — every stage instance, every {@link HEARTBEAT_INTERVAL_MS}: who it is,
 * its load and the calls it holds. The gateway re-claims a call whose instance fell silent; the api
 * shows the instances on the system page.
 */
export const stageHeartbeatSchema = z.object({
  type: z.literal('stage.heartbeat'),
  v: z.literal(PROTOCOL_VERSION),
  stage: z.enum(STAGES),
  instanceId: z.string().min(1),
  activeCalls: z.number().int().nonnegative(),
  maxCalls: z.number().int().nonnegative(),
  /** Taking new calls (false while draining or full). */
  accepting: z.boolean(),
  calls: z.array(z.string()),
  /** Wall clock of the beat, epoch ms. */
  at: z.number(),
});
export type StageHeartbeat = z.infer<typeof stageHeartbeatSchema>;
