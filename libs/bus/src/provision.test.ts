import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { readCallEvents } from './event-log.js';
import { BUCKETS, EVENTS_STREAM, openBucket, openRecordings, provisionJetStream } from './provision.js';
import { consumersOfCall, testBus, uniqueCallId } from './test/nats.js';
import { applyRetention, RETAINED_STREAMS } from './retention.js';
import { jetstreamManager } from '@nats-io/jetstream';

let bus: Bus;
beforeAll(async () => {
  bus = await testBus();
  await provisionJetStream(bus);
});
afterAll(async () => {
  await bus.drain();
});

describe('JetStream state', () => {
  it('provisioning twice (and concurrently) is harmless', async () => {
    await Promise.all([provisionJetStream(bus), provisionJetStream(bus)]);
  });

  it('leaves the retention the recorder set on the event log, records and recordings when provisioning again', async () => {
    await applyRetention(bus, { days: 90 });
    await provisionJetStream(bus);
    const jsm = await jetstreamManager(bus.nc);
    for (const name of RETAINED_STREAMS) expect((await jsm.streams.info(name)).config.max_age).toBe(90 * 86_400 * 1e9);
  });

  it('round-trips a call record through the calls bucket', async () => {
    const kv = await openBucket(bus, BUCKETS.calls);
    const key = uniqueCallId();
    await kv.put(key, JSON.stringify({ callId: key, turns: 2 }));
    const entry = await kv.get(key);
    expect(entry?.json()).toEqual({ callId: key, turns: 2 });
    await kv.delete(key);
  });

  it('round-trips a recording through the object store', async () => {
    const store = await openRecordings(bus);
    const name = `${uniqueCallId()}.wav`;
    const data = new Uint8Array(300_000).map((_, i) => i % 251);
    await store.putBlob({ name }, data);
    const back = await store.getBlob(name);
    expect(back?.length).toBe(data.length);
    expect(Buffer.from(back!).equals(Buffer.from(data))).toBe(true);
    await store.delete(name);
  });

  it("keeps a call's events in the event log, in order, apart from other calls", async () => {
    const callId = uniqueCallId();
    const other = uniqueCallId();
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 1,
      utterance: 1,
      speechStartMs: 1,
    });
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId: other,
      timelineMs: 1,
      utterance: 1,
      speechStartMs: 1,
    });
    bus.publishEvent('reply', {
      type: 'reply.segment',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 2,
      turn: 1,
      segment: 0,
      text: 'Hello.',
    });
    bus.publishEvent('lifecycle', {
      type: 'call.ended',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 3,
      reason: 'caller-hangup',
      durationMs: 3,
    });
    const events = await readCallEvents(bus, callId, { until: 'call.ended' });
    expect(events.map((e) => e.type)).toEqual(['speech.started', 'reply.segment', 'call.ended']);
    expect(events.every((e) => e.callId === callId)).toBe(true);
    expect(await consumersOfCall(bus, EVENTS_STREAM, callId)).toBe(0);
    // From the call's start, the same events; from well after it (more than the clock margin), none.
    expect(await readCallEvents(bus, callId, { since: Date.now() - 10_000 })).toEqual(events);
    expect(await readCallEvents(bus, callId, { since: Date.now() + 5 * 60_000 })).toEqual([]);
  });
});
