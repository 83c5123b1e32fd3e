import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody, sendJson, sleep } from '../http-io.js';
import { countTokens, splitForStreaming } from './chunks.js';
import { defaultReply } from './types.js';
import type { ChatMessage, FakeOpenAIOptions, OpenAIFailure, OpenAIRequestLog } from './types.js';

/** A running fake OpenAI Chat Completions API on loopback. */
export interface FakeOpenAI {
  /** Base URL ending with `/v1` (give it to the SDK as `baseURL`). */
  url: string;
  port: number;
  requests: OpenAIRequestLog[];
  /** Scripts a failure for the next request. */
  inject(failure: OpenAIFailure): void;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

const model = 'gpt-4o-mini-2024-07-18';

/** Starts a faithful fake of `POST /v1/chat/completions` (SSE streaming and JSON). */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: OpenAIRequestLog[] = [];
  const failures: OpenAIFailure[] = [];
  const sockets = new Set<Socket>();
  let ids = 0;
  const apiKey = options.apiKey ?? 'sk-test';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const raw = await readBody(req);
    const log: OpenAIRequestLog = { path, headers: req.headers, body: {}, status: 0, closedByClient: false, completed: false };
    requests.push(log);
    res.on('close', () => {
      if (res.writableEnded) return;
      log.closedByClient = true;
      log.closedByClientAt = performance.timeOrigin + performance.now();
    });
    res.on('finish', () => (log.completed = true));
    const error = (status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}): void => {
      log.status = status;
      sendJson(res, status, { error: { message, type, param: null, code } }, { 'x-request-id': `req_${++ids}`, ...headers });
    };
    if (req.method !== 'POST' || path !== '/v1/chat/completions') return error(404, `Unknown request URL: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url');
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return error(401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key');
    }
    try {
      log.body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
    }
    const messages = Array.isArray(log.body.messages) ? (log.body.messages as ChatMessage[]) : null;
    if (!messages || typeof log.body.model !== 'string') return error(400, "Missing required parameter: 'messages' or 'model'.", 'invalid_request_error', 'missing_required_parameter');
    const failure = failures.shift();
    if (failure?.kind === 'status') {
      const headers: Record<string, string> = failure.retryAfterMs !== undefined ? { 'retry-after-ms': String(failure.retryAfterMs) } : {};
      if (failure.status === 429) return error(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded', headers);
      return error(failure.status, 'The server had an error while processing your request. Sorry about that!', 'server_error', null, headers);
    }
    const reply = (options.reply ?? defaultReply)(messages, log.body);
    const id = `chatcmpl-fake${++ids}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = countTokens(messages.map((m) => m.content ?? '').join(' '));
    const replyText = typeof reply === 'string' ? reply : reply.toolCall.arguments;
    const usage = { prompt_tokens: promptTokens, completion_tokens: countTokens(replyText), total_tokens: promptTokens + countTokens(replyText) };
    const toolCall = typeof reply === 'string' ? null : { id: `call_fake${ids}`, type: 'function', function: reply.toolCall };

    if (log.body.stream !== true) {
      log.status = 200;
      await sleep(options.firstTokenMs ?? 0);
      return sendJson(res, 200, {
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: toolCall ? null : reply, refusal: null, ...(toolCall ? { tool_calls: [toolCall] } : {}) }, logprobs: null, finish_reason: toolCall ? 'tool_calls' : 'stop' }],
        usage,
      }, { 'x-request-id': `req_${ids}` });
    }

    const includeUsage = (log.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    log.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': `req_${ids}` });
    const write = (data: unknown): boolean => !res.destroyed && res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null): Record<string, unknown> => ({
      id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });

    const deltas: Array<Record<string, unknown>> = [];
    if (toolCall) {
      deltas.push({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.function.name, arguments: '' } }], refusal: null });
      for (const piece of splitForStreaming(toolCall.function.arguments)) deltas.push({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
    } else {
      deltas.push({ role: 'assistant', content: '', refusal: null });
      for (const piece of splitForStreaming(reply as string)) deltas.push({ content: piece });
    }

    await sleep(options.firstTokenMs ?? 0);
    for (const [i, delta] of deltas.entries()) {
      if (res.destroyed) return;
      if (failure && i === (failure.afterChunks ?? 1) + 1) {
        if (failure.kind === 'destroy') return void res.socket?.destroy();
        if (failure.kind === 'stall') return;
        write({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } });
        return void res.end();
      }
      if (i > 0) await sleep(options.tokenDelayMs ?? 0);
      write(chunk(delta, null));
    }
    if (res.destroyed) return;
    write(chunk({}, toolCall ? 'tool_calls' : 'stop'));
    if (includeUsage) write({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices: [], usage });
    write('[DONE]');
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: err.message, type: 'server_error', param: null, code: null } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    inject: (failure) => failures.push(failure),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
