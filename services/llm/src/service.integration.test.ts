import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimStage, readCallEvents, type Bus } from '@audexly/bus';
import type { LlmMessage } from '@audexly/providers';
import { FakeLlm } from '@audexly/providers/testing';
import { BusTestCall, connectTestBus, startTestLlm } from './test/bus-harness.js';
import { descriptor } from './test/harness.js';

// The LLM service over a real NATS: claims, the call's subjects, the JetStream event log. The
// conversation's behaviour is tested in memory (conversation.test.ts and its neighbours).
let bus: Bus;
beforeAll(async () => {
  bus = await connectTestBus();
});
afterAll(async () => {
  await bus.drain();
});

const answers: Record<string, string> = {
  'I need a taxi.': 'Sure. Where should the taxi pick you up?',
  'From Koregaon Park.':
    'Got it, Koregaon Park. Where are you going? I can also book a return trip for you later today if you like.',
  'To the airport.': 'Booked: Koregaon Park to the airport.',
};
const reply = (messages: LlmMessage[]) =>
  answers[messages.filter((m) => m.role === 'user').at(-1)?.content as string] ?? 'Okay.';

describe('llm service on NATS', () => {
  it('answers a claimed call: the greeting on call.started, then each final transcript as its turn', async () => {
    const { running, claimSubject } = await startTestLlm(new FakeLlm({ reply }));
    const t = new BusTestCall(bus, descriptor());
    try {
      await bus.flush();
      expect((await claimStage(bus, 'llm', t.call, { subject: claimSubject })).ok).toBe(true);
      t.started();
      expect(await t.doneOf(0)).toMatchObject([
        { type: 'reply.segment', turn: 0, text: 'Namaste! How can I help you today?' },
        { type: 'reply.done', turn: 0 },
      ]);
      t.speech(1, 'I need a taxi.');
      expect((await t.doneOf(1)).at(-1)).toMatchObject({
        type: 'reply.done',
        turn: 1,
        text: 'Sure. Where should the taxi pick you up?',
      });
    } finally {
      await t.close();
      t.ended();
      await running.stop();
    }
  });

  it('a re-claimed call rebuilds its conversation from the event log on another instance and carries on without greeting again', async () => {
    // The gateway re-claims with the same descriptor, so the re-claim sees a call that started a while ago.
    const call = descriptor({}, { startedAt: Date.now() - 1000 });
    const a = await startTestLlm(new FakeLlm({ reply }));
    const t = new BusTestCall(bus, call);
    try {
      await bus.flush();
      expect((await claimStage(bus, 'llm', call, { subject: a.claimSubject })).ok).toBe(true);
      t.started();
      await t.doneOf(0);
      t.speech(1, 'I need a taxi.');
      await t.doneOf(1);
      t.speech(2, 'From Koregaon Park.');
      await t.doneOf(2);
      // The caller heard only the first sentence of turn 2 before speaking again.
      t.bargeIn(2, [0]);

      // Instance A dies: no more heartbeats, its connection gone without draining.
      a.running.runtime.silence();
      await a.running.bus.nc.close();
      const repliesBefore = t.replies.seen.length;
      // A re-claim comes ≥ 750 ms after the last event; here, once the event log has stored the barge-in.
      await bus.flush();
      for (
        let i = 0;
        i < 50 && !(await readCallEvents(bus, call.callId)).some((e) => e.type === 'playback.interrupted');
        i++
      )
        await new Promise((r) => setTimeout(r, 20));

      const fakeB = new FakeLlm({ reply });
      const b = await startTestLlm(fakeB, a.claimSubject);
      try {
        await bus.flush();
        expect((await claimStage(bus, 'llm', call, { subject: b.claimSubject, reclaim: true })).ok).toBe(true);
        t.speech(3, 'To the airport.');
        await t.doneOf(3);
        expect(fakeB.requests).toHaveLength(1);
        expect(fakeB.requests[0]!.messages.slice(1)).toEqual([
          { role: 'assistant', content: 'Namaste! How can I help you today?' },
          { role: 'user', content: 'I need a taxi.' },
          { role: 'assistant', content: 'Sure. Where should the taxi pick you up?' },
          { role: 'user', content: 'From Koregaon Park.' },
          { role: 'assistant', content: 'Got it, Koregaon Park.' },
          { role: 'user', content: 'To the airport.' },
        ]);
        // No second greeting: B published only turn 3.
        expect(t.replies.seen.slice(repliesBefore).every((e) => e.turn === 3)).toBe(true);
      } finally {
        await t.close();
        t.ended();
        await b.running.stop();
      }
    } finally {
      await t.close();
      t.ended();
      await a.running.stop();
    }
  });

  it('a claim long after the call started reads the event log from JetStream and answers the utterance left unanswered', async () => {
    const call = descriptor({}, { startedAt: Date.now() - 3000 });
    const t = new BusTestCall(bus, call);
    // Nothing held the call when the caller spoke: the log has the greeting and utterance 1 only.
    bus.publishEvent('lifecycle', { v: 1, callId: call.callId, timelineMs: 10, type: 'call.started', call });
    bus.publishEvent('reply', {
      v: 1,
      callId: call.callId,
      timelineMs: 11,
      type: 'reply.segment',
      turn: 0,
      segment: 0,
      text: 'Namaste! How can I help you today?',
    });
    bus.publishEvent('reply', {
      v: 1,
      callId: call.callId,
      timelineMs: 12,
      type: 'reply.done',
      turn: 0,
      segments: 1,
      text: 'Namaste! How can I help you today?',
    });
    t.speech(1, 'I need a taxi.');
    await bus.flush();
    // A re-claim comes ≥ 750 ms after the last event; here, wait until the event log has stored them all.
    for (let i = 0; i < 50 && (await readCallEvents(bus, call.callId)).length < 4; i++)
      await new Promise((r) => setTimeout(r, 20));
    const fake = new FakeLlm({ reply });
    const b = await startTestLlm(fake);
    try {
      expect((await claimStage(bus, 'llm', call, { subject: b.claimSubject })).ok).toBe(true);
      const turn1 = await t.doneOf(1);
      expect(turn1.at(-1)).toMatchObject({ type: 'reply.done', text: 'Sure. Where should the taxi pick you up?' });
      expect(fake.requests[0]!.messages.slice(1)).toEqual([
        { role: 'assistant', content: 'Namaste! How can I help you today?' },
        { role: 'user', content: 'I need a taxi.' },
      ]);
    } finally {
      await t.close();
      t.ended();
      await b.running.stop();
    }
  });
});
