import { jetstreamManager } from '@nats-io/jetstream';
import { lifecycleEventSchema, subjects, type CallStarted } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { readWithOrderedConsumer } from './ordered-read.js';
import { EVENTS_STREAM } from './provision.js';

const decoder = new TextDecoder();

/** The read fails if the server sends nothing for this long (e.g. the last pending event was erased meanwhile). */
const IDLE_MS = 5000;

/** Once the server says nothing is pending, this much quiet ends the read. */
const SETTLE_MS = 300;

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
    // The end is the stream's last message when the read began. A message's pending count alone
    // no longer ends it: after the start-time fix CI still once saw a read that ended short of a
    // call in progress, and a pending count of 0 too early (suspected on a log with purged calls)
    // is the only way this read could end short. Pending 0 now ends it only after SETTLE_MS of quiet.
    const lastSeq = (await (await jetstreamManager(bus.nc)).streams.info(EVENTS_STREAM)).state.last_seq;
    const messages = await consumer.consume({ max_messages: 1000, expires: PULL_EXPIRES_MS });
    const stall = (): void => messages.stop(new Error(`the event log sent nothing for ${IDLE_MS} ms`));
    let idle = setTimeout(stall, IDLE_MS);
    try {
      for await (const msg of messages) {
        clearTimeout(idle);
        idle = setTimeout(
          msg.info.pending === 0 ? () => messages.stop() : stall,
          msg.info.pending === 0 ? SETTLE_MS : IDLE_MS,
        );
        try {
          const parsed = lifecycleEventSchema.safeParse(JSON.parse(decoder.decode(msg.data)));
          if (parsed.success && parsed.data.type === 'call.started') open.set(parsed.data.callId, parsed.data);
          else if (parsed.success) open.delete(parsed.data.callId);
        } catch {
          // not JSON: not ours to read
        }
        if (msg.seq >= lastSeq) break;
      }
    } finally {
      clearTimeout(idle);
      await messages.close();
    }
    return [...open.values()];
  });
}
