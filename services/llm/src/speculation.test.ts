import { describe, expect, it } from 'vitest';
import { FakeLlm } from '@audexly/providers/testing';
import { callTraceId, turnSpanId } from '@audexly/telemetry';
import { captureSpans } from '@audexly/telemetry/testing';
import { SpeculativeLlm } from './speculation.js';
import { withCall, type TestCall } from './test/harness.js';

const ANSWER = 'Noted, thank you. Anything else?';

function tentative(t: TestCall, utterance: number, text: string): void {
  t.port.send('speech', { type: 'speech.tentative', utterance, text });
}

/** The greeting has been said and the caller has started utterance 1. */
async function callerSpeaking(t: TestCall): Promise<void> {
  t.started();
  await t.doneOf(0);
  t.port.send('speech', { type: 'speech.started', utterance: 1, speechStartMs: 0 });
}

/** Polls `condition` (the model's requests are not events the call port can wait on). */
async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

/** The `reply.prepare` events the call published, without their envelope. */
const prepares = (t: TestCall) =>
  t.replies.seen.flatMap((e) => (e.type === 'reply.prepare' ? [{ utterance: e.utterance, text: e.text }] : []));

const userMessages = (fake: FakeLlm, i: number) => fake.requests[i]!.messages.filter((m) => m.role === 'user');

describe('speculative answers (turn.speculate)', () => {
  it('starts the model at the pause, publishes nothing until the same final, and answers with that one request', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 2 });
    await withCall(fake, { turn: { speculate: true } }, {}, async (t) => {
      await callerSpeaking(t);
      tentative(t, 1, 'Please cancel my booking.');
      await eventually(() => fake.requests.length === 1);
      await new Promise((r) => setTimeout(r, 60));
      // The whole answer has streamed by now, and none of it was said.
      expect(t.replies.seen.filter((e) => e.turn === 1)).toEqual([]);
      t.speech(1, 'Please cancel my booking.');
      const events = await t.doneOf(1);
      expect(events.filter((e) => e.type === 'reply.segment').map((e) => e.text)).toEqual([
        'Noted, thank you.',
        'Anything else?',
      ]);
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.signal?.aborted).toBe(false);
    });
  });

  it('a final that differs from the speculated text only in case and punctuation takes the speculation over', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 2 });
    await withCall(fake, { turn: { speculate: true } }, {}, async (t) => {
      await callerSpeaking(t);
      // An interim transcript, unpunctuated; then the final with its punctuation.
      tentative(t, 1, 'please cancel my booking');
      await eventually(() => fake.requests.length === 1);
      t.speech(1, 'Please cancel my booking.');
      await t.doneOf(1);
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.signal?.aborted).toBe(false);
      expect(userMessages(fake, 0).at(-1)?.content).toContain('please cancel my booking');
    });
  });

  it('a final with other words is answered with its own request', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 2 });
    await withCall(fake, { turn: { speculate: true } }, {}, async (t) => {
      await callerSpeaking(t);
      tentative(t, 1, 'please cancel my');
      await eventually(() => fake.requests.length === 1);
      t.speech(1, 'Please cancel my booking.');
      await t.doneOf(1);
      expect(fake.requests).toHaveLength(2);
      expect(fake.requests[0]!.signal?.aborted).toBe(true);
      expect(userMessages(fake, 1).at(-1)?.content).toContain('Please cancel my booking.');
    });
  });

  it('when the caller speaks on, aborts the request; the turn gets its own, and the history one user message', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 20 });
    await withCall(fake, { turn: { speculate: true } }, {}, async (t) => {
      await callerSpeaking(t);
      tentative(t, 1, 'my number is');
      await eventually(() => fake.requests.length === 1);
      t.port.send('speech', { type: 'speech.resumed', utterance: 1 });
      await eventually(() => fake.requests[0]!.signal?.aborted === true);
      t.speech(1, 'my number is nine eight four five six seven three two one zero');
      const events = await t.doneOf(1);
      expect(events.filter((e) => e.type === 'reply.segment').map((e) => e.text)).toEqual([
        'Noted, thank you.',
        'Anything else?',
      ]);
      expect(fake.requests).toHaveLength(2);
      expect(userMessages(fake, 1)).toEqual([
        { role: 'user', content: 'my number is nine eight four five six seven three two one zero' },
      ]);
    });
  });

  it('a final with other words than the speculation aborts it and asks the model afresh', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 20 });
    await withCall(fake, { turn: { speculate: true } }, {}, async (t) => {
      await callerSpeaking(t);
      tentative(t, 1, 'I want to');
      await eventually(() => fake.requests.length === 1);
      t.speech(1, 'I want to cancel it.');
      await t.doneOf(1);
      expect(fake.requests).toHaveLength(2);
      expect(fake.requests[0]!.signal?.aborted).toBe(true);
      expect(userMessages(fake, 1)).toEqual([{ role: 'user', content: 'I want to cancel it.' }]);
    });
  });

  it('sends the speculation’s first sentence to TTS (reply.prepare) before the final: the text the turn’s first segment then has', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 2 });
    await withCall(fake, { turn: { speculate: true } }, {}, async (t) => {
      await callerSpeaking(t);
      tentative(t, 1, 'Please cancel my booking.');
      await t.port.waitFor('reply', (e) => e.type === 'reply.prepare');
      expect(t.replies.seen.filter((e) => e.type === 'reply.segment' && e.turn === 1)).toEqual([]);
      t.speech(1, 'Please cancel my booking.');
      const segments = (await t.doneOf(1)).filter((e) => e.type === 'reply.segment');
      // Once, for the first sentence only, and not again when the turn took the answer over.
      expect(prepares(t)).toEqual([{ utterance: 1, text: 'Noted, thank you.' }]);
      expect(segments[0]?.text).toBe('Noted, thank you.');
    });
  });

  it('sends no first sentence to TTS with turn.speculateTts off, nor when the caller speaks on before the model wrote one', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 2 });
    await withCall(fake, { turn: { speculate: true, speculateTts: false } }, {}, async (t) => {
      await callerSpeaking(t);
      tentative(t, 1, 'Please cancel my booking.');
      await eventually(() => fake.requests.length === 1);
      t.speech(1, 'Please cancel my booking.');
      await t.doneOf(1);
      expect(fake.requests).toHaveLength(1);
      expect(prepares(t)).toEqual([]);
    });
    // 200 ms per 4 characters: the first sentence needs a second; the caller speaks on after the
    // first piece ("Note"), which an aborted stream must not flush out as a sentence.
    const slow = new FakeLlm({ reply: () => ANSWER, delayMs: 200 });
    await withCall(slow, { turn: { speculate: true } }, {}, async (t) => {
      await callerSpeaking(t);
      tentative(t, 1, 'my number is');
      await eventually(() => slow.requests.length === 1);
      await new Promise((r) => setTimeout(r, 300));
      t.port.send('speech', { type: 'speech.resumed', utterance: 1 });
      await eventually(() => slow.requests[0]!.signal?.aborted === true);
      t.speech(1, 'my number is nine eight');
      await t.doneOf(1);
      expect(prepares(t)).toEqual([]);
    });
  });

  it('sends no first sentence once the turn has taken the speculation over: the turn’s segments say it', async () => {
    // 200 ms per 4 characters: the final comes long before the first sentence is written.
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 200 });
    await withCall(fake, { turn: { speculate: true } }, {}, async (t) => {
      await callerSpeaking(t);
      tentative(t, 1, 'Please cancel my booking.');
      await eventually(() => fake.requests.length === 1);
      t.speech(1, 'Please cancel my booking.');
      const segments = (await t.doneOf(1)).filter((e) => e.type === 'reply.segment');
      expect(fake.requests).toHaveLength(1);
      expect(segments.map((e) => e.text)).toEqual(['Noted, thank you.', 'Anything else?']);
      expect(prepares(t)).toEqual([]);
    });
  });

  it('off (the default): a tentative transcript asks nothing of the model', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER });
    await withCall(fake, {}, {}, async (t) => {
      t.started();
      await t.doneOf(0);
      tentative(t, 1, 'Please cancel my booking.');
      t.speech(1, 'Please cancel my booking.');
      await t.doneOf(1);
      expect(fake.requests).toHaveLength(1);
    });
  });

  it('tells whether a turn took the speculative request over (the llm.speculation span says used or aborted)', async () => {
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hello' }] };
    const llm = new SpeculativeLlm(new FakeLlm({ reply: () => ANSWER, delayMs: 5 }));
    const read = async () => {
      for await (const _chunk of llm.stream({ ...request, signal: new AbortController().signal })) {
        // read the answer to its end
      }
    };
    const used = llm.speculate(request, new AbortController().signal);
    await read();
    expect(await used).toBe(true);
    // Taken over after it had streamed everything (a fast model, a late final): used all the same.
    const usedLate = llm.speculate(request, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 200));
    await read();
    expect(await usedLate).toBe(true);
    const aborted = llm.speculate(request, new AbortController().signal);
    llm.cancel();
    expect(await aborted).toBe(false);
    await llm.close();
  });

  it('traces each speculation as llm.speculation beneath the turn it would answer: used, or aborted', async () => {
    const fake = new FakeLlm({ reply: () => ANSWER, delayMs: 20 });
    const capture = captureSpans();
    try {
      let callId = '';
      await withCall(fake, { turn: { speculate: true } }, {}, async (t) => {
        callId = t.call.callId;
        await callerSpeaking(t);
        tentative(t, 1, 'my number is');
        await eventually(() => fake.requests.length === 1);
        t.port.send('speech', { type: 'speech.resumed', utterance: 1 });
        tentative(t, 1, 'my number is nine eight');
        await eventually(() => fake.requests.length === 2);
        t.speech(1, 'my number is nine eight');
        await t.doneOf(1);
      });
      const speculations = capture.spans().filter((s) => s.name === 'llm.speculation');
      expect(speculations.map((s) => s.attributes['audexly.llm.speculation'])).toEqual(['aborted', 'used']);
      for (const span of speculations) {
        expect(span.traceId).toBe(callTraceId(callId));
        expect(span.parentSpanId).toBe(turnSpanId(callId, 1));
      }
    } finally {
      capture.stop();
    }
  });
});
