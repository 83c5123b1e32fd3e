import { AudexlyError, ErrorCode } from '@audexly/protocol';
import { defaultReply, seededRandom, startFakeOpenAI } from '@audexly/testing';
import type { FakeOpenAI, FakeReply } from '@audexly/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { LlmChunk, LlmMessage } from '../llm.js';
import { collect, llmAt, userTurn } from './test/kit.js';

let openai: FakeOpenAI | null = null;
afterEach(async () => {
  await openai?.close();
  openai = null;
});

/** A fake whose model answers with `reply`, or the default reply. */
async function fake(reply?: (last: string) => FakeReply): Promise<FakeOpenAI> {
  openai = await startFakeOpenAI({
    reply: (messages) => {
      const last = messages.at(-1);
      return reply && typeof last?.content === 'string' ? reply(last.content) : defaultReply(messages);
    },
  });
  return openai;
}

const endCall = {
  name: 'end_call',
  description: 'End the phone call',
  parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] },
};
const transfer = {
  name: 'transfer_call',
  description: 'Transfer the caller',
  parameters: { type: 'object', properties: { department: { type: 'string' } } },
};
const texts = (chunks: LlmChunk[]) => chunks.flatMap((c) => (c.type === 'text' ? [c.text] : []));

describe('OpenAiLlm streaming', () => {
  it('streams text in pieces, then done with usage, asking for usage and the token limit', async () => {
    const server = await fake();
    const chunks = await collect(
      llmAt(server.url).stream(userTurn('what is my balance', { temperature: 0.3, maxTokens: 200 })),
    );
    expect(texts(chunks).length).toBeGreaterThan(3);
    expect(texts(chunks).join('')).toBe('Thanks, I heard you say "what is my balance". How else can I help you today?');
    expect(chunks.at(-1)).toEqual({
      type: 'done',
      finishReason: 'stop',
      usage: { promptTokens: 9, completionTokens: 16 },
    });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(server.requests[0]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      max_completion_tokens: 200,
    });
  });

  it('when the reply is longer than maxTokens, says what fits and reports finish reason length with the limit as usage', async () => {
    const server = await fake(() => 'One two three four five six seven eight nine ten.');
    const chunks = await collect(llmAt(server.url).stream(userTurn('count', { maxTokens: 4 })));
    expect(texts(chunks).join('')).toBe('One two three four');
    expect(chunks.at(-1)).toMatchObject({ type: 'done', finishReason: 'length', usage: { completionTokens: 4 } });
  });

  it('maps tools to OpenAI function tools and returns one accumulated tool call', async () => {
    const server = await fake(() => ({ toolCall: { name: 'end_call', arguments: '{"reason":"user_goodbye"}' } }));
    const chunks = await collect(llmAt(server.url).stream(userTurn('bye', { tools: [endCall] })));
    expect(chunks).toEqual([
      {
        type: 'tool-call',
        call: { id: expect.stringMatching(/^call_/), name: 'end_call', arguments: '{"reason":"user_goodbye"}' },
      },
      { type: 'done', finishReason: 'tool_calls', usage: expect.any(Object) },
    ]);
    expect(server.requests[0]!.body.tools).toEqual([{ type: 'function', function: endCall }]);
  });

  it('joins tool-call arguments cut into fragments anywhere (quotes, escapes, Hindi, emoji) back to the exact text', async () => {
    const seed = Number(process.env.TEST_SEED ?? 20260915);
    const random = seededRandom(seed);
    const alphabet = ['a', 'Z', ' ', '"', '\\', '\n', '{', ':', 'न', 'म', '्', 'ते', '😀', '₹', '0'];
    const cases = Array.from({ length: 12 }, () => {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 40) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
      return JSON.stringify({ reason: text, n: Math.floor(random() * 1000) });
    });
    let next = 0;
    const server = await fake(() => ({ toolCall: { name: 'end_call', arguments: cases[next++]! } }));
    const llm = llmAt(server.url);
    for (const args of cases) {
      const chunks = await collect(llm.stream(userTurn('bye', { tools: [endCall] })));
      expect(chunks[0], `seed ${seed}, arguments ${args}`).toEqual({
        type: 'tool-call',
        call: { id: expect.any(String), name: 'end_call', arguments: args },
      });
    }
  });

  it('returns two parallel calls in index order, after the text said before them', async () => {
    const server = await fake(() => ({
      text: 'Let me check that.',
      toolCalls: [
        { name: 'transfer_call', arguments: '{"department": "support"}' },
        { name: 'end_call', arguments: '{"reason": "transferred"}' },
      ],
    }));
    const chunks = await collect(llmAt(server.url).stream(userTurn('a human please', { tools: [transfer, endCall] })));
    expect(texts(chunks).join('')).toBe('Let me check that.');
    expect(chunks.filter((c) => c.type !== 'text')).toEqual([
      {
        type: 'tool-call',
        call: { id: 'call_fake1_0', name: 'transfer_call', arguments: '{"department": "support"}' },
      },
      { type: 'tool-call', call: { id: 'call_fake1_1', name: 'end_call', arguments: '{"reason": "transferred"}' } },
      { type: 'done', finishReason: 'tool_calls', usage: expect.any(Object) },
    ]);
  });

  it('sends a tool round trip in the shape the API accepts: the call, then its result', async () => {
    const server = await fake();
    const messages: LlmMessage[] = [
      { role: 'user', content: 'transfer me' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'transfer_call', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_1', content: '{"ok":true}' },
    ];
    const chunks = await collect(llmAt(server.url).stream({ model: 'gpt-4o-mini', messages, tools: [transfer] }));
    expect(chunks.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    expect(server.requests[0]!.body.messages).toEqual([
      { role: 'user', content: 'transfer me' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'transfer_call', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
    ]);
  });

  it('fails a history with a tool call left unanswered with the API 400, not retryable', async () => {
    const server = await fake();
    const messages: LlmMessage[] = [
      { role: 'user', content: 'where is my order' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'order_status', arguments: '{}' }] },
      { role: 'user', content: 'hello?' },
    ];
    const err = await collect(llmAt(server.url).stream({ model: 'gpt-4o-mini', messages })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudexlyError);
    expect(err).toMatchObject({
      code: ErrorCode.llmUpstream,
      retryable: false,
      cause: { status: 400, param: 'messages.[1].role' },
    });
    expect((err as Error).message).toContain("must be followed by tool messages responding to each 'tool_call_id'");
  });
});
