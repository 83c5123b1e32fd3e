import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, agentConfigSchema } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { readCallEvents } from './event-log.js';
import { provisionJetStream } from './provision.js';
import { readCallsInProgress } from './recent-lifecycle.js';
import { testBus, uniqueCallId } from './test/nats.js';

let bus: Bus;
beforeAll(async () => {
  bus = await testBus();
  await provisionJetStream(bus);
});
afterAll(async () => {
  await bus.drain();
});

describe('calls in progress, from the event log', () => {
  it('lists the calls started since a time and not ended, in order, and nothing from before it', async () => {
    const before = uniqueCallId();
    const started = uniqueCallId();
    const ended = uniqueCallId();
    const publish = (callId: string, type: 'call.started' | 'call.ended') =>
      type === 'call.started'
        ? bus.publishEvent('lifecycle', {
            type,
            v: PROTOCOL_VERSION,
            callId,
            timelineMs: 0,
            call: {
              callId,
              callSid: callId,
              streamSid: 'st',
              from: '+919800000001',
              to: '+918000000002',
              sampleRate: 8000,
              startedAt: Date.now(),
              agent: agentConfigSchema.parse({ id: 'agent', name: 'Reception', prompt: 'Be helpful.' }),
            },
          })
        : bus.publishEvent('lifecycle', {
            type,
            v: PROTOCOL_VERSION,
            callId,
            timelineMs: 5,
            reason: 'caller-hangup',
            durationMs: 5,
          });
    publish(before, 'call.started');
    await readCallEvents(bus, before, { until: 'call.started' });
    // Stream times are the server's; a margin keeps the boundary clear of clock granularity.
    await new Promise((r) => setTimeout(r, 50));
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    publish(started, 'call.started');
    publish(ended, 'call.started');
    publish(ended, 'call.ended');
    await readCallEvents(bus, ended, { until: 'call.ended' });
    const later = uniqueCallId();
    publish(later, 'call.started');
    await readCallEvents(bus, later, { until: 'call.started' });
    const ours = (await readCallsInProgress(bus, since)).filter((e) =>
      [before, started, ended, later].includes(e.callId),
    );
    expect(ours.map((e) => e.callId)).toEqual([started, later]);
  });
});
