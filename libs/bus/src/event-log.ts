import {
  familySchemas,
  parseCallSubject,
  subjects,
  EVENT_FAMILIES,
  type AnyEvent,
  type EventFamily,
} from '@audexly/protocol';
import type { Bus } from './bus.js';
import { readWithOrderedConsumer } from './ordered-read.js';
import { EVENTS_STREAM } from './provision.js';

const decoder = new TextDecoder();

export interface ReadEventsOptions {
  /** Stop once an event of this type has been read (e.g. `call.ended`). */
  until?: string;
  /** Give up waiting for `until` after this long; returns what was read. */
  timeoutMs?: number;
  /**
   * When the call started (epoch ms, e.g. its `startedAt`): the log is read from a minute before
   * it. Without it the server walks the whole log (30 days by default) to find the call's events:
   * 0.4–0.9 s per call on a log of a million events, against 10–25 ms from the call's start.
   */
  since?: number;
}

/** Read this far before `since`: the gateway's clock and the NATS server's may differ a little. */
const SINCE_MARGIN_MS = 60_000;

/** One call's text events from the event log, in publication order, validated. */
export async function readCallEvents(bus: Bus, callId: string, options: ReadEventsOptions = {}): Promise<AnyEvent[]> {
  const consumerOptions = {
    filter: subjects.allEvents(callId),
    ...(options.since === undefined ? {} : { sinceMs: options.since - SINCE_MARGIN_MS }),
  };
  return readWithOrderedConsumer(bus, EVENTS_STREAM, consumerOptions, async (consumer) => {
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
  });
}
