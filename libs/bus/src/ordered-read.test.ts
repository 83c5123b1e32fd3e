import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjects } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { readWithOrderedConsumer, sequenceAt } from './ordered-read.js';
import { EVENTS_STREAM, provisionJetStream } from './provision.js';
import { testBus, uniqueCallId } from './test/nats.js';

let bus: Bus;
beforeAll(async () => {
  bus = await testBus();
  await provisionJetStream(bus);
});
afterAll(async () => {
  await bus.drain();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function publishNumbered(subject: string, from: number, to: number): Promise<number[]> {
  const js = jetstream(bus.nc);
  const seqs: number[] = [];
  for (let n = from; n <= to; n++) seqs.push((await js.publish(subject, encoder.encode(String(n)))).seq);
  return seqs;
}

describe('reading a stream with an ordered consumer', () => {
  it('turns a time into the sequence of the first message stored from then on', async () => {
    const subject = subjects.event(uniqueCallId(), 'lifecycle');
    const [early] = await publishNumbered(subject, 1, 1);
    // Stream times are the server's; a margin keeps the boundary clear of clock granularity.
    await new Promise((r) => setTimeout(r, 50));
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    const [first] = await publishNumbered(subject, 2, 3);
    const at = await sequenceAt(bus, EVENTS_STREAM, since);
    expect(at).toBeGreaterThan(early!);
    expect(at).toBeLessThanOrEqual(first!);
  });

  it('reads everything since a time even when the server loses the consumer mid-read (it is re-created from where it was)', async () => {
    const subject = subjects.event(uniqueCallId(), 'lifecycle');
    await publishNumbered(subject, 1, 2);
    await new Promise((r) => setTimeout(r, 50));
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await publishNumbered(subject, 3, 8);
    const jsm = await jetstreamManager(bus.nc);
    const read = await readWithOrderedConsumer(
      bus,
      EVENTS_STREAM,
      { filter: subject, sinceMs: since },
      async (consumer) => {
        const numbers: number[] = [];
        // One message per pull and short pulls: the consumer is deleted after the first message,
        // and the client notices on its next pull.
        const messages = await consumer.consume({ max_messages: 1, expires: 1000 });
        const guard = setTimeout(() => messages.stop(new Error('the read stalled')), 15_000);
        try {
          for await (const msg of messages) {
            numbers.push(Number(decoder.decode(msg.data)));
            if (numbers.length === 1) await jsm.consumers.delete(EVENTS_STREAM, (await consumer.info(true)).name);
            if (msg.info.pending === 0) break;
          }
        } finally {
          clearTimeout(guard);
          await messages.close();
        }
        return numbers;
      },
    );
    expect(read).toEqual([3, 4, 5, 6, 7, 8]);
  }, 20_000);
});
