import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type AnyEvent } from '@audexly/protocol';
import type { LlmMessage } from '@audexly/providers';
import { FakeLlm } from '@audexly/providers/testing';
import { descriptor, llmHandler, runCall, TestCall } from './test/harness.js';

const answers: Record<string, string> = {
  'I need a taxi.': 'Sure. Where should the taxi pick you up?',
  'From Koregaon Park.':
    'Got it, Koregaon Park. Where are you going? I can also book a return trip for you later today if you like.',
  'To the airport.': 'Booked: Koregaon Park to the airport.',
};
const reply = (messages: LlmMessage[]) =>
  answers[messages.filter((m) => m.role === 'user').at(-1)?.content as string] ?? 'Okay.';

describe('failover', () => {
  it('a re-claimed call rebuilds its conversation from the event log on another instance and carries on without greeting again', async () => {
    const call = descriptor();
    const a = new TestCall(call);
    const workA = llmHandler(new FakeLlm({ reply }))(a.port);
    a.started();
    await a.doneOf(0);
    a.speech(1, 'I need a taxi.');
    await a.doneOf(1);
    a.speech(2, 'From Koregaon Park.');
    await a.doneOf(2);
    // The caller heard only the first sentence of turn 2 before speaking again.
    a.bargeIn(2, [0]);
    // Instance A is gone: the gateway re-claims the call on B, which finds everything so far in the event log.
    a.port.supersede();
    await workA;

    const fakeB = new FakeLlm({ reply });
    const b = new TestCall(call, { reclaimed: true, eventLog: await a.port.readEvents() });
    await runCall(llmHandler(fakeB), b, async () => {
      b.speech(3, 'To the airport.');
      await b.doneOf(3);
    });
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
    expect(b.replies.seen.length).toBeGreaterThan(0);
    expect(b.replies.seen.every((e) => e.turn === 3)).toBe(true);
  });

  it('a claim long after the call started is a re-claim: an utterance the log shows unanswered is answered', async () => {
    const call = descriptor({}, { startedAt: Date.now() - 3000 });
    const base = { v: PROTOCOL_VERSION, callId: call.callId } as const;
    // Nothing held the call when the caller spoke: the log has the greeting and utterance 1 only.
    const eventLog: AnyEvent[] = [
      { ...base, timelineMs: 10, type: 'call.started', call },
      {
        ...base,
        timelineMs: 11,
        type: 'reply.segment',
        turn: 0,
        segment: 0,
        text: 'Namaste! How can I help you today?',
      },
      {
        ...base,
        timelineMs: 12,
        type: 'reply.done',
        turn: 0,
        segments: 1,
        text: 'Namaste! How can I help you today?',
        providerFirstTokenMs: null,
        usage: null,
      },
      { ...base, timelineMs: 13, type: 'speech.started', utterance: 1, speechStartMs: 0 },
      {
        ...base,
        timelineMs: 14,
        type: 'speech.final',
        utterance: 1,
        text: 'I need a taxi.',
        language: 'en-IN',
        speechStartMs: 0,
        speechEndMs: 1,
        providerMs: 1,
        audioSeconds: 1,
      },
    ];
    const fake = new FakeLlm({ reply });
    await runCall(llmHandler(fake), new TestCall(call, { eventLog }), async (t) => {
      const turn1 = await t.doneOf(1);
      expect(turn1.at(-1)).toMatchObject({ type: 'reply.done', text: 'Sure. Where should the taxi pick you up?' });
    });
    expect(fake.requests[0]!.messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Namaste! How can I help you today?' },
      { role: 'user', content: 'I need a taxi.' },
    ]);
  });
});
