import { describe, expect, it } from 'vitest';
import type { LlmMessage } from '@audexly/providers';
import { FakeLlm } from '@audexly/providers/testing';
import { withCall, type TestCall } from './test/harness.js';

const userCount = (messages: LlmMessage[]) => messages.filter((m) => m.role === 'user').length;
const LONG = 'First sentence comes quickly. ' + 'Then a long explanation follows, one sentence at a time. '.repeat(8);

/** Caller utterance `utterance` over the agent's `turn`, as STT and the gateway in pause mode report it. */
function speakOver(t: TestCall, turn: number, utterance: number, text: string, backchannel: boolean): void {
  t.port.send('speech', { type: 'speech.started', utterance, speechStartMs: 0 });
  t.port.send('playback', { type: 'playback.paused', turn, utterance });
  t.port.send('speech', {
    type: 'speech.final',
    utterance,
    text,
    language: 'en-IN',
    speechStartMs: 0,
    speechEndMs: 1,
    providerMs: 1,
    audioSeconds: 1,
    backchannel,
  });
}

describe('the LLM stage with barge-in decided by the transcript', () => {
  it('a backchannel that paused the agent is not answered, does not stop its turn and stays out of the history', async () => {
    const fake = new FakeLlm({ reply: (m) => (userCount(m) === 1 ? LONG : 'Next answer.'), delayMs: 3 });
    await withCall(fake, {}, {}, async (t) => {
      t.speech(1, 'Tell me everything.');
      await t.replies.until((e) => e.type === 'reply.segment');
      speakOver(t, 1, 2, 'okay', true);
      t.port.send('playback', {
        type: 'playback.resumed',
        turn: 1,
        utterance: 2,
        reason: 'backchannel',
        pausedMs: 700,
      });
      const turn1 = await t.doneOf(1);
      expect(turn1.at(-1)).toMatchObject({ type: 'reply.done', text: LONG.trim() });
      t.speech(3, 'And the price?');
      await t.doneOf(3);
      expect(fake.requests).toHaveLength(2);
      const users = fake.requests[1]!.messages.filter((m) => m.role === 'user').map((m) => m.content);
      expect(users).toEqual(['Tell me everything.', 'And the price?']);
      expect(t.replies.seen.some((e) => e.turn === 2)).toBe(false);
    });
  });

  it('other words that paused the agent are answered after the interruption, with the history cut to what was heard', async () => {
    const fake = new FakeLlm({ reply: (m) => (userCount(m) === 1 ? LONG : 'Sure, the price.'), delayMs: 3 });
    await withCall(fake, {}, {}, async (t) => {
      t.speech(1, 'Tell me everything.');
      await t.replies.until((e) => e.type === 'reply.segment' && e.segment === 1);
      speakOver(t, 1, 2, 'okay but what does it cost', false);
      // The gateway decides on the same transcript: the LLM waits for it before asking the model.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fake.requests).toHaveLength(1);
      t.bargeIn(1, [0]);
      await t.doneOf(2);
      expect(fake.requests[1]!.messages.slice(1)).toEqual([
        { role: 'user', content: 'Tell me everything.' },
        { role: 'assistant', content: 'First sentence comes quickly.' },
        { role: 'user', content: 'okay but what does it cost' },
      ]);
    });
  });

  it('a backchannel while the agent is silent is a turn like any other ("okay" to a question)', async () => {
    const fake = new FakeLlm({ reply: () => 'Booked.' });
    await withCall(fake, {}, {}, async (t) => {
      t.port.send('speech', { type: 'speech.started', utterance: 1, speechStartMs: 0 });
      t.port.send('speech', {
        type: 'speech.final',
        utterance: 1,
        text: 'okay',
        language: 'en-IN',
        speechStartMs: 0,
        speechEndMs: 1,
        providerMs: 1,
        audioSeconds: 1,
        backchannel: true,
      });
      expect((await t.doneOf(1)).at(-1)).toMatchObject({ type: 'reply.done', text: 'Booked.' });
    });
  });
});
