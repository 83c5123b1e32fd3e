import { AudexlyError, ErrorCode } from '@audexly/protocol';
import { defaultReply, startFakeOpenAI } from '@audexly/testing';
import type { FakeOpenAI } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LlmChunk, LlmRequest } from '../llm.js';
import { createOpenAiLlm } from './llm.js';

let openai: FakeOpenAI;
beforeEach(async () => {
  openai = await startFakeOpenAI({
    reply: (messages) => {
      const last = messages.at(-1);
      if (last?.role === 'user' && last.content === 'bye') return { toolCall: { name: 'end_call', arguments: '{"reason":"user_goodbye"}' } };
      return defaultReply(messages);
    },
  });
});
afterEach(() => openai.close());

const llm = (apiKey = 'sk-test', maxRetries = 0) => createOpenAiLlm({ apiKey, baseUrl: openai.url, maxRetries });
const request = (content: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a voice agent.' },
    { role: 'user', content },
  ],
  ...extra,
});

async function collect(chunks: AsyncIterable<LlmChunk>): Promise<LlmChunk[]> {
  const out: LlmChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

describe('OpenAiLlm', () => {
  it('streams text in pieces, then done with usage', async () => {
    const chunks = await collect(llm().stream(request('what is my balance', { temperature: 0.3, maxTokens: 200 })));
    const texts = chunks.filter((c) => c.type === 'text');
    expect(texts.length).toBeGreaterThan(3);
    expect(texts.map((c) => c.text).join('')).toBe('Thanks, I heard you say "what is my balance". How else can I help you today?');
    expect(chunks.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop', usage: { promptTokens: expect.any(Number), completionTokens: expect.any(Number) } });
    expect(openai.requests[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(openai.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, temperature: 0.3, max_completion_tokens: 200 });
  });

  it('maps tools to OpenAI function tools and returns an accumulated tool call', async () => {
    const tools = [{ name: 'end_call', description: 'End the phone call', parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] } }];
    const chunks = await collect(llm().stream(request('bye', { tools })));
    expect(chunks).toEqual([
      { type: 'tool-call', call: { id: expect.stringMatching(/^call_/), name: 'end_call', arguments: '{"reason":"user_goodbye"}' } },
      { type: 'done', finishReason: 'tool_calls', usage: expect.any(Object) },
    ]);
    expect(openai.requests[0]!.body.tools).toEqual([{ type: 'function', function: tools[0] }]);
  });

  it('sends tool results back in OpenAI shape', async () => {
    await collect(
      llm().stream({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'transfer me' },
          { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'transfer_call', arguments: '{}' }] },
          { role: 'tool', toolCallId: 'call_1', content: '{"ok":true}' },
        ],
      }),
    );
    expect(openai.requests[0]!.body.messages).toEqual([
      { role: 'user', content: 'transfer me' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'transfer_call', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
    ]);
  });

  it('fails a wrong key with a non-retryable upstream error', async () => {
    const err = await collect(llm('sk-wrong').stream(request('hi'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudexlyError);
    expect(err).toMatchObject({ code: ErrorCode.llmUpstream, retryable: false, cause: { status: 401 } });
  });

  it('fails a 429 with a retryable upstream error', async () => {
    openai.inject({ kind: 'status', status: 429, retryAfterMs: 10 });
    await expect(collect(llm().stream(request('hi')))).rejects.toMatchObject({ code: ErrorCode.llmUpstream, retryable: true, cause: { status: 429 } });
  });

  it('lets the SDK retry a 429 when retries are allowed', async () => {
    openai.inject({ kind: 'status', status: 429, retryAfterMs: 10 });
    const chunks = await collect(llm('sk-test', 1).stream(request('hi')));
    expect(chunks.at(-1)?.type).toBe('done');
    expect(openai.requests).toHaveLength(2);
  });

  it('fails an in-stream error event with a retryable upstream error', async () => {
    openai.inject({ kind: 'stream-error', afterChunks: 2 });
    await expect(collect(llm().stream(request('hi')))).rejects.toMatchObject({ code: ErrorCode.llmUpstream, retryable: true });
  });

  it('fails a connection destroyed mid-stream with a retryable upstream error', async () => {
    openai.inject({ kind: 'destroy', afterChunks: 2 });
    await expect(collect(llm().stream(request('hi')))).rejects.toMatchObject({ code: ErrorCode.llmUpstream, retryable: true });
  });

  it('ends quietly when the turn aborts mid-stream, and the server sees the client leave', async () => {
    await openai.close();
    openai = await startFakeOpenAI({ tokenDelayMs: 30 });
    const turn = new AbortController();
    const chunks: LlmChunk[] = [];
    for await (const c of llm().stream(request('tell me a long story', { signal: turn.signal }))) {
      chunks.push(c);
      if (chunks.length === 2) turn.abort();
    }
    expect(chunks).toHaveLength(2);
    expect(chunks.every((c) => c.type === 'text')).toBe(true);
    await vi.waitFor(() => expect(openai.requests[0]!.closedByClient).toBe(true));
  });

  it('fails with a retryable timeout when the stream goes idle', async () => {
    openai.inject({ kind: 'stall', afterChunks: 1 });
    const err = await collect(llm().stream(request('hi', { idleTimeoutMs: 200 }))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.timeout, retryable: true });
    await vi.waitFor(() => expect(openai.requests[0]!.closedByClient).toBe(true));
  });
});
