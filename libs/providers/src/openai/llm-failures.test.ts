import { AudexlyError, ErrorCode } from '@audexly/protocol';
import { startFakeOpenAI } from '@audexly/testing';
import type { FakeOpenAI } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collect, collectUntilError, llmAt, userTurn } from './test/kit.js';

const reply = 'One two three four five six seven eight nine ten eleven twelve.';
let openai: FakeOpenAI;
beforeEach(async () => {
  openai = await startFakeOpenAI({ reply: () => reply });
});
afterEach(() => openai.close());

describe('OpenAiLlm when OpenAI misbehaves', () => {
  it('fails a wrong key with a non-retryable upstream error', async () => {
    const err = await collect(llmAt(openai.url, { apiKey: 'sk-wrong' }).stream(userTurn('hi'))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AudexlyError);
    expect(err).toMatchObject({
      code: ErrorCode.llmUpstream,
      retryable: false,
      cause: { status: 401, code: 'invalid_api_key' },
    });
  });

  it('fails a 429 with a retryable upstream error carrying the request id', async () => {
    openai.inject({ kind: 'status', status: 429, retryAfterMs: 10 });
    const err = await collect(llmAt(openai.url).stream(userTurn('hi'))).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.llmUpstream,
      retryable: true,
      cause: { status: 429, code: 'rate_limit_exceeded', requestID: 'req_fake1' },
    });
  });

  it.each([429, 500, 502, 503])(
    'lets the SDK retry a %i when retries are allowed, and the fake counts both attempts',
    async (status) => {
      openai.inject({ kind: 'status', status, retryAfterMs: 1 });
      const chunks = await collect(llmAt(openai.url, { maxRetries: 1 }).stream(userTurn('hi')));
      expect(chunks.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
      expect(openai.requests.map((r) => [r.status, r.retryCount])).toEqual([
        [status, 0],
        [200, 1],
      ]);
    },
  );

  it('fails a 503 with a retryable upstream error when retries are off', async () => {
    openai.inject({ kind: 'status', status: 503 });
    await expect(collect(llmAt(openai.url).stream(userTurn('hi')))).rejects.toMatchObject({
      code: ErrorCode.llmUpstream,
      retryable: true,
      cause: { status: 503, type: 'server_error' },
    });
    expect(openai.requests).toHaveLength(1);
  });

  it('fails an in-stream error event with a retryable upstream error after the text so far', async () => {
    openai.inject({ kind: 'stream-error', afterChunks: 2 });
    const { chunks, error } = await collectUntilError(llmAt(openai.url).stream(userTurn('hi')));
    expect(chunks.map((c) => c.type)).toEqual(['text', 'text']);
    expect(error).toMatchObject({ code: ErrorCode.llmUpstream, retryable: true });
  });

  it('fails a connection destroyed mid-stream with a retryable upstream error', async () => {
    openai.inject({ kind: 'destroy', afterChunks: 2 });
    await expect(collect(llmAt(openai.url).stream(userTurn('hi')))).rejects.toMatchObject({
      code: ErrorCode.llmUpstream,
      retryable: true,
    });
  });

  it('fails a body that ends cleanly without finish_reason or [DONE] (a cut answer), instead of calling it done', async () => {
    openai.inject({ kind: 'truncate', afterChunks: 3 });
    const { chunks, error } = await collectUntilError(llmAt(openai.url).stream(userTurn('hi')));
    expect(chunks.map((c) => c.type)).toEqual(['text', 'text', 'text']);
    expect(error).toMatchObject({ code: ErrorCode.llmUpstream, retryable: true });
  });

  it('when the stream stalls mid-answer, ends the turn with a retryable timeout after the text so far and hangs up on the server', async () => {
    openai.inject({ kind: 'stall', afterChunks: 2 });
    const { chunks, error } = await collectUntilError(llmAt(openai.url).stream(userTurn('hi', { idleTimeoutMs: 200 })));
    expect(texts(chunks)).toEqual(['One', ' two']);
    expect(error).toBeInstanceOf(AudexlyError);
    expect(error).toMatchObject({ code: ErrorCode.timeout, retryable: true, message: 'OpenAI stream idle for 200 ms' });
    await vi.waitFor(() => expect(openai.requests[0]!.closedByClient).toBe(true));
  });

  it('when a 429 asks to wait longer than the idle limit, fails at the idle limit instead of waiting (the SDK retry wait ignores aborts)', async () => {
    openai.inject({ kind: 'status', status: 429, retryAfterSeconds: 600 });
    const err = await collect(
      llmAt(openai.url, { maxRetries: 1 }).stream(userTurn('hi', { idleTimeoutMs: 200 })),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.timeout, retryable: true });
    expect(openai.requests.map((r) => r.status)).toEqual([429]);
  });

  it('when the turn aborts during the SDK wait before a retry, ends quietly at once', async () => {
    openai.inject({ kind: 'status', status: 429, retryAfterSeconds: 600 });
    const turn = new AbortController();
    const result = collect(llmAt(openai.url, { maxRetries: 1 }).stream(userTurn('hi', { signal: turn.signal })));
    await vi.waitFor(() => expect(openai.requests[0]?.status).toBe(429));
    turn.abort();
    expect(await result).toEqual([]);
  });

  it('ends quietly when the turn aborts mid-stream, and the server sees the client leave', async () => {
    await openai.close();
    openai = await startFakeOpenAI({ tokenDelayMs: 30 });
    const turn = new AbortController();
    const chunks = [];
    for await (const c of llmAt(openai.url).stream(userTurn('tell me a long story', { signal: turn.signal }))) {
      chunks.push(c);
      if (chunks.length === 2) turn.abort();
    }
    expect(chunks).toHaveLength(2);
    expect(chunks.every((c) => c.type === 'text')).toBe(true);
    await vi.waitFor(() => expect(openai.requests[0]!.closedByClient).toBe(true));
  });
});

function texts(chunks: Array<{ type: string; text?: string }>): string[] {
  return chunks.flatMap((c) => (c.type === 'text' && c.text !== undefined ? [c.text] : []));
}
