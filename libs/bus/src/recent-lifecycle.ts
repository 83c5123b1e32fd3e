import { jetstream, DeliverPolicy } from '@nats-io/jetstream';
import { lifecycleEventSchema, type LifecycleEvent } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { EVENTS_STREAM } from './provision.js';

const decoder = new TextDecoder();

/**
 * Every call's lifecycle events (`call.*.lifecycle`) published since `sinceMs` (epoch ms), from the
 * event log, in publication order: what a process that just started needs to know which calls
 * are in progress.
 */
export async function readLifecycleSince(bus: Bus, sinceMs: number): Promise<LifecycleEvent[]> {
  const consumer = await jetstream(bus.nc).consumers.get(EVENTS_STREAM, {
    filter_subjects: 'call.*.lifecycle',
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(sinceMs).toISOString(),
  });
  const events: LifecycleEvent[] = [];
  while ((await consumer.info()).num_pending > 0) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
    for await (const msg of batch) {
      try {
        const parsed = lifecycleEventSchema.safeParse(JSON.parse(decoder.decode(msg.data)));
        if (parsed.success) events.push(parsed.data);
      } catch {
        // not JSON: not ours to read
      }
      if (msg.info.pending === 0) break;
    }
  }
  return events;
}
