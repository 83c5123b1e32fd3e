import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfigSchema, type CallDescriptor } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { ClaimServer, claimStage } from './claims.js';
import { testBus, uniqueCallId } from './test/nats.js';

let bus: Bus;
beforeAll(async () => {
  bus = await testBus();
});
afterAll(async () => {
  await bus.drain();
});

function descriptor(callId = uniqueCallId()): CallDescriptor {
  return {
    callId,
    callSid: callId,
    streamSid: 's',
    accountSid: 'a',
    from: '',
    to: '',
    direction: 'inbound',
    sampleRate: 8000,
    customParameters: {},
    startedAt: Date.now(),
    agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p' }),
  };
}

/** A claim subject of this test alone, so services or other tests on the same NATS never interfere. */
const isolated = () => `test.claim.${randomUUID()}`;

describe('claims', () => {
  it('exactly one of two instances takes a call, and only after onClaim finished', async () => {
    const subject = isolated();
    const taken: string[] = [];
    const servers = ['i1', 'i2'].map(
      (instanceId) =>
        new ClaimServer(bus, {
          stage: 'stt',
          instanceId,
          maxCalls: 10,
          subject,
          onClaim: async (call) => {
            await new Promise((r) => setTimeout(r, 20));
            taken.push(`${instanceId}:${call.callId}`);
          },
        }),
    );
    await Promise.all(servers.map((s) => s.start()));
    try {
      const call = descriptor();
      const result = await claimStage(bus, 'stt', call, { subject });
      expect(result.ok).toBe(true);
      expect(taken).toHaveLength(1);
      if (result.ok) expect(taken[0]).toBe(`${result.instanceId}:${call.callId}`);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });

  it('answers no-responders at once when the only instance is full, and takes calls again after a release', async () => {
    const subject = isolated();
    const server = new ClaimServer(bus, {
      stage: 'tts',
      instanceId: 'solo',
      maxCalls: 1,
      subject,
      onClaim: () => Promise.resolve(),
    });
    await server.start();
    try {
      const first = descriptor();
      expect(await claimStage(bus, 'tts', first, { subject })).toEqual({ ok: true, stage: 'tts', instanceId: 'solo' });
      // "No responders" is NATS saying at once that nobody listens; waiting would end in 'timeout'.
      expect(await claimStage(bus, 'tts', descriptor(), { subject, timeoutMs: 2000 })).toEqual({
        ok: false,
        stage: 'tts',
        reason: 'no-responders',
      });
      server.release(first.callId);
      await bus.flush();
      const third = descriptor();
      expect((await claimStage(bus, 'tts', third, { subject })).ok).toBe(true);
      expect([...server.calls]).toEqual([third.callId]);
    } finally {
      await server.stop();
    }
  });

  it('a repeated claim for a call the instance holds is accepted again, not counted twice', async () => {
    const subject = isolated();
    let claims = 0;
    const server = new ClaimServer(bus, {
      stage: 'llm',
      instanceId: 'x',
      maxCalls: 5,
      subject,
      onClaim: () => Promise.resolve(void claims++),
    });
    await server.start();
    try {
      const call = descriptor();
      expect((await claimStage(bus, 'llm', call, { subject })).ok).toBe(true);
      expect((await claimStage(bus, 'llm', call, { subject })).ok).toBe(true);
      expect(claims).toBe(1);
      expect(server.calls.size).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('reports no-responders when no instance serves the subject', async () => {
    expect(await claimStage(bus, 'stt', descriptor(), { subject: isolated(), timeoutMs: 500 })).toEqual({
      ok: false,
      stage: 'stt',
      reason: 'no-responders',
    });
  });
});
