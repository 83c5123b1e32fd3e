import { jetstream, DeliverPolicy } from '@nats-io/jetstream';
import { familySchemas, parseCallSubject, subjects, EVENT_FAMILIES, type AnyEvent, type EventFamily } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { EVENTS_STREAM } from './provision.js';

const decoder = new TextDecoder();

export interface ReadEventsOptions {
  /** Stop once an event of this type has been read (e.g. `call.ended`). */
  until?: string;
  /** Give up waiting for `until` after this long; returns what was read. */
  timeoutMs?: number;
}

/** One call's text events from the event log, in publication order, validated. */
export async function readCallEvents(bus: Bus, callId: string, options: ReadEventsOptions = {}): Promise<AnyEvent[]> {
  const js = jetstream(bus.nc);
  const consumer = await js.consumers.get(EVENTS_STREAM, {
    filter_subjects: subjects.allEvents(callId),
    deliver_policy: DeliverPolicy.All,
  });
  const events: AnyEvent[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 2000);
  for (;;) {
    const info = await consumer.info();
    const waitForMore = options.until !== undefined && !events.some((e) => e.type === options.until);
    if (info.num_pending === 0 && (!waitForMore || Date.now() > deadline)) break;
    const batch = await consumer.fetch({ max_messages: 500, expires: 1000 });
    for await (const msg of batch) {
      const family = parseCallSubject(msg.subject)?.family;
      if (!family || !(EVENT_FAMILIES as readonly string[]).includes(family)) continue;
      const parsed = familySchemas[family as EventFamily].safeParse(JSON.parse(decoder.decode(msg.data)));
      if (parsed.success) events.push(parsed.data);
      if (msg.info.pending === 0) break;
    }
  }
  return events;
}
