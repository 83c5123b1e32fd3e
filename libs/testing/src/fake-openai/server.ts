import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody, sendJson, sleep } from '../http-io.js';
import { countTokens } from './chunks.js';
import { completionDeltas, completionFor, completionMessage } from './completion.js';
import { errorBody, invalidApiKey, invalidRequest, scriptedError } from './errors.js';
import type { ApiError } from './errors.js';
import { writeStream } from './stream.js';
import { defaultReply } from './types.js';
import type { ChatMessage, FakeOpenAIOptions, OpenAIFailure, OpenAIRequestLog } from './types.js';
import { validateRequest } from './validate.js';

/** A running fake OpenAI Chat Completions API on loopback. */
export interface FakeOpenAI {
  /** Base URL ending with `/v1` (give it to the SDK as `baseURL`). */
  url: string;
  port: number;
  /** Every request in arrival order, SDK retries included (each attempt is one entry); empty with `keepRequestLog: false`. */
  requests: OpenAIRequestLog[];
  /** Scripts a failure for the next valid request; several calls queue several failures. */
  inject(failure: OpenAIFailure): void;
  /** Closes every connection (stalled streams too) and the server. */
  close(): Promise<void>;
}

const model = 'gpt-4o-mini-2024-07-18';

/**
 * Starts a fake of `POST /v1/chat/completions` that behaves as reference PART B says the real API
 * does: SSE streaming or JSON, tool calls streamed in fragments by index, `max_completion_tokens`,
 * the OpenAI error body with `x-request-id`, and a 400 for every malformed request the real API
 * refuses (see `validate.ts`).
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: OpenAIRequestLog[] = [];
  const failures: OpenAIFailure[] = [];
  const sockets = new Set<Socket>();
  let serial = 0;
  const apiKey = options.apiKey ?? 'sk-test';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++serial;
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const raw = await readBody(req);
    const retryHeader = Number(req.headers['x-stainless-retry-count']);
    const log: OpenAIRequestLog = {
      path,
      headers: req.headers,
      body: {},
      status: 0,
      retryCount: Number.isInteger(retryHeader) ? retryHeader : null,
      requestId: `req_fake${n}`,
      closedByClient: false,
      completed: false,
    };
    if (options.keepRequestLog ?? true) requests.push(log);
    res.on('close', () => {
      if (res.writableEnded) return;
      log.closedByClient = true;
      log.closedByClientAt = performance.timeOrigin + performance.now();
    });
    res.on('finish', () => (log.completed = true));
    const refuse = (e: ApiError): void => {
      log.status = e.status;
      log.error = e.code ?? e.type;
      sendJson(res, e.status, errorBody(e), { ...e.headers, 'x-request-id': log.requestId });
    };

    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return refuse({
        status: 404,
        message: `Invalid URL (${req.method} ${path})`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      });
    }
    const key = /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (key !== apiKey) return refuse(invalidApiKey(key));
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      log.body = parsed as Record<string, unknown>;
    } catch {
      return refuse(
        invalidRequest(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
          null,
        ),
      );
    }
    const invalid = validateRequest(log.body);
    if (invalid) return refuse(invalid);

    // A mid-stream failure waits for a streamed request; a status failure answers any request.
    const next = failures[0];
    const failure = next && (next.kind === 'status' || log.body.stream === true) ? failures.shift() : undefined;
    if (failure?.kind === 'status')
      return refuse({ ...scriptedError(failure.status, key), headers: retryHeaders(failure) });

    const messages = log.body.messages as ChatMessage[];
    const reply = (options.reply ?? defaultReply)(messages, log.body);
    const completion = completionFor(reply, log.body, (index) => `call_fake${n}_${index}`);
    const id = `chatcmpl-fake${n}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = usageOf(
      countTokens(messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join(' ')),
      completion.completionTokens,
    );
    log.status = 200;

    if (log.body.stream !== true) {
      await sleep(options.firstTokenMs ?? 0);
      const choice = {
        index: 0,
        message: completionMessage(completion),
        logprobs: null,
        finish_reason: completion.finishReason,
      };
      return sendJson(
        res,
        200,
        {
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [choice],
          usage,
          service_tier: 'default',
          system_fingerprint: 'fp_fake',
        },
        { 'x-request-id': log.requestId },
      );
    }
    await writeStream(res, {
      id,
      created,
      model,
      requestId: log.requestId,
      deltas: completionDeltas(completion, options.seed ?? 1),
      finishReason: completion.finishReason,
      usage,
      includeUsage: (log.body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true,
      ...(failure ? { failure } : {}),
      firstTokenMs: options.firstTokenMs ?? 0,
      tokenDelayMs: options.tokenDelayMs ?? 0,
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { message: err.message, type: 'server_error', param: null, code: null } });
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

/** `retry-after-ms`, `retry-after` and `x-should-retry` as scripted. */
function retryHeaders(failure: Extract<OpenAIFailure, { kind: 'status' }>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (failure.retryAfterMs !== undefined) headers['retry-after-ms'] = String(failure.retryAfterMs);
  if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
  if (failure.shouldRetry !== undefined) headers['x-should-retry'] = String(failure.shouldRetry);
  return headers;
}

/** The usage object of reference B2 (details all zero). */
function usageOf(promptTokens: number, completionTokens: number): Record<string, unknown> {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}
