import { lifecycleEventSchema, subjects, type CallStarted } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { readWithOrderedConsumer } from './ordered-read.js';
import { EVENTS_STREAM } from './provision.js';

const decoder = new TextDecoder();

/** The read fails if the server sends nothing for this long (e.g. the last pending event was erased meanwhile). */
const IDLE_MS = 5000;

/**
 * Short pulls: the client checks the server's heartbeats at half this, and re-creates the
 * consumer after two missed ones (instead of a minute with the default of 30 s).
 */
const PULL_EXPIRES_MS = 2000;

/**
 * The calls whose `call.started` the event log holds from `sinceMs` (epoch ms) on and whose
 * `call.ended` it does not, in the order they started: what a process that just started needs to
 * know which calls are in progress. Only the open calls are kept while reading, not every event.
 *
 * One `consume()` reads them all. Repeated `fetch()` on an ordered consumer re-creates the consumer
 * each time, and the server re-scans the rest of the stream for the wildcard filter on every
 * re-creation: on a log of a million events (50 000 of them lifecycle) that took 1.0–1.5 s
 * against 0.5–0.7 s for one consume.
 */
export async function readCallsInProgress(bus: Bus, sinceMs: number): Promise<CallStarted[]> {
  const options = { filter: subjects.everyCall('lifecycle'), sinceMs };
  return readWithOrderedConsumer(bus, EVENTS_STREAM, options, async (consumer) => {
    const open = new Map<string, CallStarted>();
    // The info the consumer was created with: asking the server again before consume() left the
    // ordered consumer delivering nothing in about half of the reads here (nats.js 3.3).
    if ((await consumer.info(true)).num_pending === 0) return [];
    const messages = await consumer.consume({ max_messages: 1000, expires: PULL_EXPIRES_MS });
    const stall = (): void => messages.stop(new Error(`the event log sent nothing for ${IDLE_MS} ms`));
    let idle = setTimeout(stall, IDLE_MS);
    try {
      for await (const msg of messages) {
        clearTimeout(idle);
        idle = setTimeout(stall, IDLE_MS);
        try {
          const parsed = lifecycleEventSchema.safeParse(JSON.parse(decoder.decode(msg.data)));
          if (parsed.success && parsed.data.type === 'call.started') open.set(parsed.data.callId, parsed.data);
          else if (parsed.success) open.delete(parsed.data.callId);
        } catch {
          // not JSON: not ours to read
        }
        if (msg.info.pending === 0) break;
      }
    } finally {
      clearTimeout(idle);
      await messages.close();
    }
    return [...open.values()];
  });
}
