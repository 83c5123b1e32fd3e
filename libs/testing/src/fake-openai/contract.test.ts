import OpenAI, { APIError, AuthenticationError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAI } from './server.js';
import type { FakeOpenAI } from './server.js';
import type { FakeOpenAIOptions } from './types.js';

/*
 * The fake against reference PART B, one row per behaviour, each checked through the official
 * `openai` SDK (6.x) as the client. The second column names the reference section the behaviour
 * comes from; "not in the reference" rows name where the real API's answer was seen instead.
 */

let fake: FakeOpenAI | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

interface Kit {
  fake: FakeOpenAI;
  /** An SDK client on the fake; retries off unless asked for. */
  sdk: (maxRetries?: number) => OpenAI;
}

async function start(options: FakeOpenAIOptions = {}): Promise<Kit> {
  const started = await startFakeOpenAI({ reply: () => 'Namaste! How can I help?', ...options });
  fake = started;
  return {
    fake: started,
    sdk: (maxRetries = 0) => new OpenAI({ apiKey: 'sk-test', baseURL: started.url, maxRetries, timeout: 10_000 }),
  };
}

const user = [{ role: 'user' as const, content: 'hi' }];
const streaming = (extra: Partial<ChatCompletionCreateParamsStreaming> = {}): ChatCompletionCreateParamsStreaming => ({
  model: 'gpt-4o-mini',
  messages: user,
  stream: true,
  ...extra,
});
const endCall = {
  type: 'function' as const,
  function: { name: 'end_call', parameters: { type: 'object', properties: { reason: { type: 'string' } } } },
};
const transfer = {
  type: 'function' as const,
  function: { name: 'transfer_call', parameters: { type: 'object', properties: {} } },
};
const twoCalls = {
  toolCalls: [
    { name: 'transfer_call', arguments: '{"department":"support"}' },
    { name: 'end_call', arguments: '{"reason":"handed over to a colleague"}' },
  ],
};

async function chunksOf(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

/** The `data:` payloads of a raw SSE body. */
function events(body: string): string[] {
  return body
    .split('\n\n')
    .filter(Boolean)
    .map((e) => e.replace(/^data: /, ''));
}

/** The API error a request is refused with (fails the test if it is not refused). */
async function refusal(request: Promise<unknown>): Promise<APIError> {
  const outcome = await request.then(
    () => new Error('the request was accepted'),
    (err: unknown) => err,
  );
  if (!(outcome instanceof APIError)) throw outcome;
  return outcome;
}

/** Sends a body the SDK's types would not allow (as a test of the server's own checks). */
const raw = (body: Record<string, unknown>) => body as unknown as ChatCompletionCreateParamsStreaming;

async function expectInvalid(
  body: Record<string, unknown>,
  expected: { param: string | null; code?: string | null; message: string },
): Promise<void> {
  const { fake: server, sdk } = await start();
  const err = await refusal(sdk().chat.completions.create(raw(body)));
  expect(err).toBeInstanceOf(BadRequestError);
  expect(err.error).toEqual({
    message: expect.stringContaining(expected.message),
    type: 'invalid_request_error',
    param: expected.param,
    code: expected.code ?? null,
  });
  expect(server.requests[0]).toMatchObject({ status: 400 });
}

const rows: Array<[behaviour: string, section: string, check: () => Promise<void>]> = [
  [
    'a streamed answer is SSE: one id and created, role delta first, finish_reason only on the last choice chunk, then [DONE]',
    'B2 Response',
    async () => {
      const { sdk } = await start();
      const res = await sdk().chat.completions.create(streaming()).asResponse();
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const data = events(await res.text());
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as ChatCompletionChunk);
      expect(new Set(chunks.map((c) => `${c.id}/${c.created}/${c.object}`))).toEqual(
        new Set([`${chunks[0]!.id}/${chunks[0]!.created}/chat.completion.chunk`]),
      );
      expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '', refusal: null });
      expect(chunks.map((c) => c.choices[0]!.finish_reason)).toEqual([...chunks.slice(1).map(() => null), 'stop']);
      expect(chunks.at(-1)!.choices[0]!.delta).toEqual({});
    },
  ],
  [
    'stream_options.include_usage adds one final choices:[] chunk with the totals; every other chunk has usage:null',
    'B2 Usage',
    async () => {
      const { sdk } = await start({ reply: () => 'One two three.' });
      const chunks = await chunksOf(
        await sdk().chat.completions.create(streaming({ stream_options: { include_usage: true } })),
      );
      expect(chunks.at(-1)).toMatchObject({
        choices: [],
        usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
      });
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    },
  ],
  [
    'without include_usage no chunk has a usage key',
    'B2 Usage',
    async () => {
      const { sdk } = await start();
      const chunks = await chunksOf(await sdk().chat.completions.create(streaming()));
      expect(chunks.some((c) => 'usage' in c)).toBe(false);
    },
  ],
  [
    'a tool call streams a start delta (index, id, type, name, arguments "") then only index + argument fragments (3–7), finish_reason tool_calls',
    'B3 Streamed deltas',
    async () => {
      const args = '{"reason":"the caller said goodbye and thanked us"}';
      const { sdk } = await start({ reply: () => ({ toolCall: { name: 'end_call', arguments: args } }) });
      const chunks = await chunksOf(await sdk().chat.completions.create(streaming({ tools: [endCall] })));
      const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: null });
      expect(deltas[0]).toEqual({
        index: 0,
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'end_call', arguments: '' },
      });
      const fragments = deltas.slice(1);
      expect(fragments.length).toBeGreaterThanOrEqual(3);
      expect(fragments.length).toBeLessThanOrEqual(7);
      for (const f of fragments) expect(Object.keys(f).sort()).toEqual(['function', 'index']);
      expect(fragments.map((f) => f.function!.arguments).join('')).toBe(args);
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    },
  ],
  [
    'two parallel calls stream by index 0 then 1, and the SDK stream helper accumulates both',
    'B3 Streamed deltas (parallel calls)',
    async () => {
      const { sdk } = await start({ reply: () => twoCalls });
      const final = await sdk()
        .chat.completions.stream(streaming({ tools: [transfer, endCall] }))
        .finalChatCompletion();
      expect(final.choices[0]!.finish_reason).toBe('tool_calls');
      expect(
        final.choices[0]!.message.tool_calls?.map((c) =>
          c.type === 'function' ? [c.function.name, c.function.arguments] : [],
        ),
      ).toEqual(twoCalls.toolCalls.map((c) => [c.name, c.arguments]));
    },
  ],
  [
    'parallel_tool_calls: false limits the answer to one call',
    'B3 Tool definition',
    async () => {
      const { sdk } = await start({ reply: () => twoCalls });
      const final = await sdk()
        .chat.completions.stream(streaming({ tools: [transfer, endCall], parallel_tool_calls: false }))
        .finalChatCompletion();
      expect(final.choices[0]!.message.tool_calls).toHaveLength(1);
      expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    },
  ],
  [
    'text can come first and a tool call after it in the same answer',
    'B3 Streamed deltas (UNVERIFIED for every model)',
    async () => {
      const { sdk } = await start({
        reply: () => ({ text: 'Goodbye, have a nice day.', toolCall: { name: 'end_call', arguments: '{}' } }),
      });
      const final = await sdk()
        .chat.completions.stream(streaming({ tools: [endCall] }))
        .finalChatCompletion();
      expect(final.choices[0]!.message).toMatchObject({
        content: 'Goodbye, have a nice day.',
        tool_calls: [{ function: { name: 'end_call', arguments: '{}' } }],
      });
      expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    },
  ],
  [
    'max_completion_tokens cuts the answer at the limit (the fake counts words): finish_reason length, usage at the limit',
    'B2 Field rules (finish_reason "length"); token counting is the fake\'s',
    async () => {
      const { sdk } = await start({ reply: () => 'One two three four five six.' });
      const chunks = await chunksOf(
        await sdk().chat.completions.create(
          streaming({ max_completion_tokens: 4, stream_options: { include_usage: true } }),
        ),
      );
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('One two three four');
      expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
      expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: 4 });
      const legacy = await sdk().chat.completions.create({ model: 'gpt-4o-mini', messages: user, max_tokens: 2 });
      expect(legacy.choices[0]).toMatchObject({ message: { content: 'One two' }, finish_reason: 'length' });
    },
  ],
  [
    'a 429 carries retry-after, retry-after-ms, x-request-id and the rate_limit_exceeded body (RateLimitError)',
    'B1 Retries, B5 Errors',
    async () => {
      const { fake: server, sdk } = await start();
      server.inject({ kind: 'status', status: 429, retryAfterSeconds: 20, retryAfterMs: 20_000 });
      const err = await refusal(sdk().chat.completions.create(streaming()));
      expect(err).toBeInstanceOf(RateLimitError);
      expect(err).toMatchObject({
        status: 429,
        code: 'rate_limit_exceeded',
        type: 'requests',
        param: null,
        requestID: 'req_fake1',
      });
      expect(err.headers?.get('retry-after')).toBe('20');
      expect(err.headers?.get('retry-after-ms')).toBe('20000');
    },
  ],
  [
    'the SDK retries a 429 on a stream when maxRetries > 0, and the fake counts both hits',
    'B1 Retries [probe]',
    async () => {
      const { fake: server, sdk } = await start();
      server.inject({ kind: 'status', status: 429, retryAfterSeconds: 0 });
      const chunks = await chunksOf(await sdk(1).chat.completions.create(streaming()));
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
      expect(server.requests.map((r) => [r.status, r.retryCount])).toEqual([
        [429, 0],
        [200, 1],
      ]);
    },
  ],
  ...[500, 502, 503].map((status): [string, string, () => Promise<void>] => [
    `a ${status} answers a server_error body (InternalServerError) and the SDK retries it`,
    'B1 Retries, B5 Errors',
    async () => {
      const { fake: server, sdk } = await start();
      server.inject({ kind: 'status', status, retryAfterMs: 1 });
      server.inject({ kind: 'status', status, retryAfterMs: 1 });
      const err = await refusal(sdk(1).chat.completions.create(streaming()));
      expect(err).toBeInstanceOf(InternalServerError);
      expect(err).toMatchObject({ status, type: 'server_error', code: null, requestID: 'req_fake2' });
      expect(server.requests.map((r) => r.status)).toEqual([status, status]);
    },
  ]),
  [
    'x-should-retry: false stops the SDK retrying a 503',
    'B1 Retries',
    async () => {
      const { fake: server, sdk } = await start();
      server.inject({ kind: 'status', status: 503, shouldRetry: false });
      expect(await refusal(sdk(2).chat.completions.create(streaming()))).toBeInstanceOf(InternalServerError);
      expect(server.requests).toHaveLength(1);
    },
  ],
  [
    'a wrong key is refused with 401 invalid_api_key (AuthenticationError)',
    'B5 Errors, B6 checklist 1',
    async () => {
      const { fake: server } = await start();
      const client = new OpenAI({ apiKey: 'sk-wrong-key-123', baseURL: server.url, maxRetries: 0 });
      const err = await refusal(client.chat.completions.create(streaming()));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err.error).toEqual({
        message: expect.stringMatching(/^Incorrect API key provided: sk-\**-123\./),
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      });
    },
  ],
  [
    'a request without model is refused',
    'not in the reference (OpenAI answer quoted in danielmiessler/Fabric#239)',
    () =>
      expectInvalid({ messages: user, stream: true }, { param: null, message: 'you must provide a model parameter' }),
  ],
  [
    'a request without messages is refused',
    'not in the reference (OpenAI missing_required_parameter shape)',
    () =>
      expectInvalid(
        { model: 'gpt-4o-mini', stream: true },
        { param: 'messages', code: 'missing_required_parameter', message: "Missing required parameter: 'messages'." },
      ),
  ],
  [
    'a message with an unknown role is refused',
    'not in the reference (role values of ChatCompletionMessageParam)',
    () =>
      expectInvalid(
        { model: 'gpt-4o-mini', messages: [{ role: 'caller', content: 'hi' }] },
        { param: 'messages[0].role', code: 'invalid_value', message: "Invalid value: 'caller'" },
      ),
  ],
  [
    'an assistant message with tool_calls not followed by a tool message for each tool_call_id is refused',
    'B3 Follow-up turn (error text: sdcb/chats#132)',
    () =>
      expectInvalid(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'user', content: 'transfer me' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_a', type: 'function', function: { name: 'transfer_call', arguments: '{}' } },
                { id: 'call_b', type: 'function', function: { name: 'end_call', arguments: '{}' } },
              ],
            },
            { role: 'tool', tool_call_id: 'call_a', content: '{"ok":true}' },
            { role: 'user', content: 'hello?' },
          ],
        },
        {
          param: 'messages.[1].role',
          message:
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_b",
        },
      ),
  ],
  [
    'a tool message that answers no preceding call is refused',
    'B3 Follow-up turn (error text: sdcb/chats#132)',
    () =>
      expectInvalid(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'tool', tool_call_id: 'call_x', content: '{}' },
          ],
        },
        {
          param: 'messages.[1].role',
          message: "messages with role 'tool' must be a response to a preceeding message with 'tool_calls'",
        },
      ),
  ],
  [
    'a tool whose function has no name is refused',
    'not in the reference (OpenAI missing_required_parameter shape)',
    () =>
      expectInvalid(
        { model: 'gpt-4o-mini', messages: user, tools: [{ type: 'function', function: { description: 'nameless' } }] },
        {
          param: 'tools[0].function.name',
          code: 'missing_required_parameter',
          message: "Missing required parameter: 'tools[0].function.name'.",
        },
      ),
  ],
  [
    'stream_options without stream: true is refused',
    'B2 Usage (error text: BerriAI/litellm#5803)',
    () =>
      expectInvalid(
        { model: 'gpt-4o-mini', messages: user, stream_options: { include_usage: true } },
        {
          param: 'stream_options',
          message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        },
      ),
  ],
  [
    'max_tokens together with max_completion_tokens is refused',
    'not in the reference (OpenAI answer quoted in langchain-ai/langgraph#5943)',
    () =>
      expectInvalid(
        { model: 'gpt-4o-mini', messages: user, max_tokens: 10, max_completion_tokens: 10 },
        {
          param: 'max_tokens',
          code: 'invalid_parameter_combination',
          message: "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
        },
      ),
  ],
  [
    'an in-stream {"error":…} event makes the SDK iteration throw an APIError with no status',
    'B5 In-stream error [probe]',
    async () => {
      const { fake: server, sdk } = await start({ reply: () => 'One two three four five.' });
      server.inject({ kind: 'stream-error', afterChunks: 2 });
      const err = await refusal(chunksOf(await sdk().chat.completions.create(streaming())));
      expect(err).toMatchObject({ status: undefined, type: 'server_error' });
    },
  ],
  [
    'a destroyed socket mid-stream makes the SDK iteration throw',
    'B6 checklist 3',
    async () => {
      const { fake: server, sdk } = await start({ reply: () => 'One two three four five.' });
      server.inject({ kind: 'destroy', afterChunks: 1 });
      const seen: Array<string | null | undefined> = [];
      const stream = await sdk().chat.completions.create(streaming());
      const err = await (async () => {
        for await (const c of stream) seen.push(c.choices[0]?.delta.content);
      })().then(
        () => null,
        (e: unknown) => e,
      );
      expect(seen).toEqual(['', 'One']);
      expect(err).toBeInstanceOf(Error);
    },
  ],
  [
    'a body cut short without finish_reason or [DONE] ends the SDK loop quietly',
    'B2 SSE parsing',
    async () => {
      const { fake: server, sdk } = await start({ reply: () => 'One two three four five.' });
      server.inject({ kind: 'truncate', afterChunks: 2 });
      const chunks = await chunksOf(await sdk().chat.completions.create(streaming()));
      expect(chunks.map((c) => c.choices[0]!.delta.content)).toEqual(['', 'One', ' two']);
      expect(chunks.every((c) => c.choices[0]!.finish_reason === null)).toBe(true);
    },
  ],
  [
    'a stall sends some content, then nothing while holding the connection open, until the client aborts',
    'B1 Timeout (the body is not time-bounded), B6 checklist 3',
    async () => {
      const { fake: server, sdk } = await start({ reply: () => 'One two three four five.' });
      server.inject({ kind: 'stall', afterChunks: 2 });
      const stream = await sdk().chat.completions.create(streaming());
      const chunks = stream[Symbol.asyncIterator]();
      const seen = [await chunks.next(), await chunks.next(), await chunks.next()].map((r) =>
        r.done ? null : r.value.choices[0]!.delta.content,
      );
      expect(seen).toEqual(['', 'One', ' two']);
      let more = false;
      const next = chunks.next().then(
        (r) => {
          more = !r.done;
        },
        () => undefined,
      );
      // A whole second answer from the same fake: had the first stream more to send, it was sent before.
      await chunksOf(await sdk().chat.completions.create(streaming()));
      expect(more).toBe(false);
      expect(server.requests[0]).toMatchObject({ completed: false, closedByClient: false });
      stream.controller.abort();
      await next;
      await vi.waitFor(() => expect(server.requests[0]!.closedByClient).toBe(true));
    },
  ],
  [
    'a client abort mid-stream closes the connection and the fake sees it before the response ended',
    'B4 Cancellation, B6 checklist 4',
    async () => {
      const { fake: server, sdk } = await start({
        tokenDelayMs: 20,
        reply: () => 'One two three four five six seven eight nine ten.',
      });
      const abort = new AbortController();
      const seen: ChatCompletionChunk[] = [];
      for await (const c of await sdk().chat.completions.create(streaming(), { signal: abort.signal })) {
        seen.push(c);
        if (seen.length === 2) abort.abort();
      }
      expect(seen).toHaveLength(2);
      await vi.waitFor(() => expect(server.requests[0]).toMatchObject({ closedByClient: true, completed: false }));
    },
  ],
  [
    'every answer carries x-request-id, which the SDK reports as request_id',
    'B2 Response, B5 Errors',
    async () => {
      const { sdk } = await start();
      const { request_id: streamed } = await sdk().chat.completions.create(streaming()).withResponse();
      const { request_id: whole } = await sdk()
        .chat.completions.create({ model: 'gpt-4o-mini', messages: user })
        .withResponse();
      expect([streamed, whole]).toEqual(['req_fake1', 'req_fake2']);
    },
  ],
];

describe('fake OpenAI against reference PART B, through the openai SDK', () => {
  it.each(rows)('%s (%s)', async (_behaviour, _section, check) => {
    await check();
  });
});
