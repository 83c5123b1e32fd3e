import { describe, expect, it, vi } from 'vitest';
import { AudexlyError, ErrorCode } from '@audexly/protocol';
import type { LlmChunk, LlmMessage, LlmProvider } from '@audexly/providers';
import { FakeLlm } from '@audexly/providers/testing';
import { startFakeOpenAI } from '@audexly/testing';
import { withCall } from './test/harness.js';

const APOLOGY = "Sorry, I'm having trouble right now. Could you say that again?";
const userCount = (messages: LlmMessage[]) => messages.filter((m) => m.role === 'user').length;

describe('the LLM stage', () => {
  it('greets on call.started as turn 0, in one segment, without asking the model', async () => {
    const fake = new FakeLlm();
    await withCall(fake, {}, {}, async (t) => {
      t.started();
      expect(await t.doneOf(0)).toMatchObject([
        { type: 'reply.segment', turn: 0, segment: 0, text: 'Namaste! How can I help you today?' },
        {
          type: 'reply.done',
          turn: 0,
          segments: 1,
          text: 'Namaste! How can I help you today?',
          providerFirstTokenMs: null,
        },
      ]);
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('keeps a multi-turn history with the greeting, the system prompt variables and every turn', async () => {
    const answers = [
      'Sure. Your order A-42 ships tomorrow morning. Anything else?',
      'It costs 499 rupees.',
      'You are welcome, goodbye!',
    ];
    const fake = new FakeLlm({ reply: (messages) => answers[userCount(messages) - 1] ?? '' });
    await withCall(fake, {}, {}, async (t) => {
      t.started();
      await t.doneOf(0);
      t.speech(1, 'Where is my order?');
      expect(await t.doneOf(1)).toMatchObject([
        { type: 'reply.segment', turn: 1, segment: 0, text: 'Sure.' },
        { type: 'reply.segment', turn: 1, segment: 1, text: 'Your order A-42 ships tomorrow morning.' },
        { type: 'reply.segment', turn: 1, segment: 2, text: 'Anything else?' },
        { type: 'reply.done', turn: 1, segments: 3, text: answers[0] },
      ]);
      t.speech(2, 'How much is it?');
      await t.doneOf(2);
      t.speech(3, 'No, thanks.');
      await t.doneOf(3);
      const request = fake.requests[2]!;
      expect(request).toMatchObject({ model: 'gpt-test', temperature: 0.2, maxTokens: 120 });
      expect(request.messages.slice(1)).toEqual([
        { role: 'assistant', content: 'Namaste! How can I help you today?' },
        { role: 'user', content: 'Where is my order?' },
        { role: 'assistant', content: answers[0] },
        { role: 'user', content: 'How much is it?' },
        { role: 'assistant', content: answers[1] },
        { role: 'user', content: 'No, thanks.' },
      ]);
      const system = request.messages[0]!.content as string;
      expect(system).toContain('You help +919800000001 who dialled 08030000000.');
      expect(system).toMatch(/Now: .+ IST\./);
      expect(system).toContain('- orderId: A-42');
    });
  });

  it('aborts a streaming turn when newer speech arrives, keeping what was said so far', async () => {
    const long =
      'First sentence comes quickly. ' +
      'Then a very long explanation follows that takes a while to stream out. '.repeat(20);
    const fake = new FakeLlm({ reply: (m) => (userCount(m) === 1 ? long : 'Second answer.'), delayMs: 5 });
    await withCall(fake, {}, {}, async (t) => {
      t.speech(1, 'Tell me everything.');
      await t.replies.until((e) => e.type === 'reply.segment');
      t.speech(2, 'Stop.');
      await t.doneOf(2);
      const turn1 = t.replies.seen.filter((e) => e.turn === 1);
      const done1 = turn1.at(-1)!;
      expect(done1.type === 'reply.done' && done1.segments).toBeLessThan(5);
      const messages = fake.requests[1]!.messages;
      expect(messages.at(-2)).toMatchObject({
        role: 'assistant',
        content: expect.stringMatching(/^First sentence comes quickly\./),
      });
      expect(messages.at(-1)).toEqual({ role: 'user', content: 'Stop.' });
    });
  });

  it('on barge-in aborts the model stream and keeps only the heard segments in the history for the next turn', async () => {
    const first =
      'Your order left our warehouse this morning. It is now with the courier in Pune. It should reach you by Friday evening. ' +
      'More details follow here. '.repeat(30);
    const openai = await startFakeOpenAI({
      tokenDelayMs: 20,
      reply: (messages) => (messages.filter((m) => m.role === 'user').length === 1 ? first : 'Okay.'),
    });
    try {
      await withCall(undefined, {}, { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.url }, async (t) => {
        t.speech(1, 'Where is my order?');
        await t.replies.until((e) => e.type === 'reply.segment' && e.turn === 1 && e.segment === 1);
        t.bargeIn(1, [0]);
        await t.doneOf(1);
        await vi.waitFor(() => expect(openai.requests[0]!.closedByClient).toBe(true));
        t.speech(2, 'Wait, which courier?');
        await t.doneOf(2);
        const messages = openai.requests[1]!.body.messages as Array<{ role: string; content: string }>;
        expect(messages.slice(-3)).toEqual([
          { role: 'user', content: 'Where is my order?' },
          { role: 'assistant', content: 'Your order left our warehouse this morning.' },
          { role: 'user', content: 'Wait, which courier?' },
        ]);
      });
    } finally {
      await openai.close();
    }
  });

  it('splits a Hindi reply at the danda and question mark', async () => {
    const hindi = 'नमस्ते! आपका ऑर्डर कल सुबह तक पहुँच जाएगा। क्या मैं आपकी और कोई मदद कर सकती हूँ?';
    await withCall(new FakeLlm({ reply: () => hindi, pieceChars: 3 }), {}, {}, async (t) => {
      t.speech(1, 'मेरा ऑर्डर कहाँ है?');
      expect(await t.doneOf(1)).toMatchObject([
        { type: 'reply.segment', segment: 0, text: 'नमस्ते!' },
        { type: 'reply.segment', segment: 1, text: 'आपका ऑर्डर कल सुबह तक पहुँच जाएगा।' },
        { type: 'reply.segment', segment: 2, text: 'क्या मैं आपकी और कोई मदद कर सकती हूँ?' },
        { type: 'reply.done', segments: 3, text: hindi },
      ]);
    });
  });

  it('without OPENAI_API_KEY reports an llm error for the turn and speaks the agent apology', async () => {
    await withCall(
      undefined,
      { phrases: { apology: 'Maaf kijiye, phir se boliye.' } },
      { OPENAI_API_KEY: '' },
      async (t) => {
        t.speech(1, 'Hello?');
        expect(await t.doneOf(1)).toMatchObject([
          { type: 'reply.segment', turn: 1, segment: 0, text: 'Maaf kijiye, phir se boliye.' },
          { type: 'reply.done', turn: 1, segments: 1 },
        ]);
        await t.errors.until(() => true);
        expect(t.errors.seen[0]).toMatchObject({
          stage: 'llm',
          code: 'AUDEXLY_ERR_LLM_UPSTREAM',
          retryable: false,
          turn: 1,
        });
      },
    );
  });

  it('when the model fails mid-reply, reports the error for the turn and apologises after what was said (no retry)', async () => {
    let calls = 0;
    const failing: LlmProvider = {
      name: 'failing',
      async *stream(): AsyncIterable<LlmChunk> {
        calls++;
        await Promise.resolve();
        yield { type: 'text', text: 'Let me check that for you. One' };
        throw new AudexlyError(ErrorCode.llmUpstream, 'OpenAI request failed: 500', { retryable: true });
      },
    };
    await withCall(failing, {}, {}, async (t) => {
      t.speech(1, 'Check my order.');
      expect(await t.doneOf(1)).toMatchObject([
        { type: 'reply.segment', turn: 1, segment: 0, text: 'Let me check that for you.' },
        { type: 'reply.segment', turn: 1, segment: 1, text: APOLOGY },
        { type: 'reply.done', turn: 1, segments: 2 },
      ]);
      await t.errors.until(() => true);
      expect(t.errors.seen[0]).toMatchObject({
        stage: 'llm',
        code: 'AUDEXLY_ERR_LLM_UPSTREAM',
        retryable: true,
        turn: 1,
      });
      expect(calls).toBe(1);
    });
  });

  it('retries a 429 once before anything was said, and the caller hears the answer', async () => {
    const openai = await startFakeOpenAI({ reply: () => 'Your balance is 3.5 lakh rupees. Anything else?' });
    openai.inject({ kind: 'status', status: 429 });
    try {
      await withCall(undefined, {}, { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.url }, async (t) => {
        t.speech(1, 'What is my balance?');
        expect(await t.doneOf(1)).toMatchObject([
          { type: 'reply.segment', turn: 1, segment: 0, text: 'Your balance is 3.5 lakh rupees.' },
          { type: 'reply.segment', turn: 1, segment: 1, text: 'Anything else?' },
          { type: 'reply.done', turn: 1, segments: 2 },
        ]);
        expect(openai.requests.map((r) => r.status)).toEqual([429, 200]);
        expect(openai.requests[1]?.body).toMatchObject({ model: 'gpt-test', stream: true, temperature: 0.2 });
        expect(t.errors.seen).toEqual([]);
      });
    } finally {
      await openai.close();
    }
  });

  it('does not retry a 401: apology and a non-retryable error event', async () => {
    const openai = await startFakeOpenAI({ apiKey: 'sk-right' });
    try {
      await withCall(undefined, {}, { OPENAI_API_KEY: 'sk-wrong', OPENAI_BASE_URL: openai.url }, async (t) => {
        t.speech(1, 'Hello?');
        expect(await t.doneOf(1)).toMatchObject([
          { type: 'reply.segment', turn: 1, segment: 0, text: APOLOGY },
          { type: 'reply.done', turn: 1, segments: 1 },
        ]);
        await t.errors.until(() => true);
        expect(t.errors.seen[0]).toMatchObject({
          stage: 'llm',
          code: 'AUDEXLY_ERR_LLM_UPSTREAM',
          retryable: false,
          turn: 1,
        });
        expect(openai.requests).toHaveLength(1);
      });
    } finally {
      await openai.close();
    }
  });
});
