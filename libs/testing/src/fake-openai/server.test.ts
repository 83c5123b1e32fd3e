import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from './server.js';
import type { FakeOpenAI } from './server.js';

let openai: FakeOpenAI | null = null;
afterEach(async () => {
  await openai?.close();
  openai = null;
});

const post = (fake: FakeOpenAI, body: unknown, key = 'sk-test'): Promise<Response> =>
  fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('fake OpenAI', () => {
  it('answers a non-streaming request with a chat.completion', async () => {
    openai = await startFakeOpenAI();
    const res = await post(openai, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(await res.json()).toMatchObject({
      object: 'chat.completion',
      choices: [
        {
          message: { role: 'assistant', content: 'Thanks, I heard you say "hello". How else can I help you today?' },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: expect.any(Number) },
    });
  });

  it('with keepRequestLog false still answers but keeps no request', async () => {
    openai = await startFakeOpenAI({ keepRequestLog: false });
    const res = await post(openai, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(res.status).toBe(200);
    expect(openai.requests).toEqual([]);
  });

  it('streams SSE chunks with one id, a role delta first, no usage unless asked, and [DONE]', async () => {
    openai = await startFakeOpenAI();
    const text = await (
      await post(openai, { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    ).text();
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map(
      (e) =>
        JSON.parse(e) as {
          id: string;
          choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>;
          usage?: unknown;
        },
    );
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('logs when a client aborts a stream mid-way', async () => {
    openai = await startFakeOpenAI({
      tokenDelayMs: 50,
      reply: () => 'One two three four five six seven eight nine ten eleven twelve.',
    });
    const res = await post(openai, { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const reader = res.body!.getReader();
    await reader.read();
    const abortedAt = performance.timeOrigin + performance.now();
    await reader.cancel();
    const log = openai.requests[0]!;
    for (let i = 0; i < 50 && !log.closedByClient; i++) await new Promise((r) => setTimeout(r, 10));
    expect(log).toMatchObject({ closedByClient: true, completed: false });
    expect(log.closedByClientAt).toBeGreaterThanOrEqual(abortedAt);
  });

  it('rejects a wrong key with 401 and OpenAI error body', async () => {
    openai = await startFakeOpenAI();
    const res = await post(openai, { model: 'm', messages: [] }, 'sk-bad');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
  });

  it('closes a stalled stream on close()', async () => {
    openai = await startFakeOpenAI();
    const fake = openai;
    fake.inject({ kind: 'stall', afterChunks: 1 });
    const res = await post(fake, { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const body = res.text();
    await fake.close();
    openai = null;
    await expect(body).rejects.toThrow();
  });
});
