import type { ServerResponse } from 'node:http';
import { sleep } from '../http-io.js';
import { inStreamServerError } from './errors.js';
import type { OpenAIFailure } from './types.js';

/** One streamed answer: the chunks' shared fields, the deltas, and how it ends. */
export interface StreamPlan {
  id: string;
  created: number;
  model: string;
  requestId: string;
  deltas: Array<Record<string, unknown>>;
  finishReason: string;
  /** Sent as the final `choices: []` chunk when the request asked for `stream_options.include_usage`. */
  usage: Record<string, unknown>;
  includeUsage: boolean;
  /** A scripted mid-stream failure (`status` failures never reach the stream). */
  failure?: Exclude<OpenAIFailure, { kind: 'status' }>;
  firstTokenMs: number;
  tokenDelayMs: number;
}

/**
 * Writes a Chat Completions SSE stream (reference B2): `data: <chunk>\n\n` per delta, a last choice
 * chunk with `finish_reason` and an empty delta, the usage chunk if asked for, then `data: [DONE]`.
 * Every chunk carries `usage: null` when usage was asked for and no `usage` key otherwise.
 */
export async function writeStream(res: ServerResponse, plan: StreamPlan): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': plan.requestId,
  });
  // Resolves once everything written so far has reached the socket (so a destroy comes after it).
  let flushed = Promise.resolve();
  const write = (data: unknown): void => {
    if (res.destroyed) return;
    flushed = new Promise((resolve) =>
      res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve()),
    );
  };
  const base = {
    id: plan.id,
    object: 'chat.completion.chunk',
    created: plan.created,
    model: plan.model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(plan.includeUsage ? { usage: null } : {}),
  });
  // The failure comes after `afterChunks` deltas following the role delta, or after the last one.
  const failAt = plan.failure ? Math.min((plan.failure.afterChunks ?? 1) + 1, plan.deltas.length) : -1;

  await sleep(plan.firstTokenMs);
  for (let i = 0; i <= plan.deltas.length; i++) {
    if (res.destroyed) return;
    if (i === failAt && plan.failure) return fail(res, plan.failure, write, flushed);
    const delta = plan.deltas[i];
    if (!delta) break;
    if (i > 0) await sleep(plan.tokenDelayMs);
    write(chunk(delta, null));
  }
  if (res.destroyed) return;
  write(chunk({}, plan.finishReason));
  if (plan.includeUsage) write({ ...base, choices: [], usage: plan.usage });
  write('[DONE]');
  res.end();
}

async function fail(
  res: ServerResponse,
  failure: NonNullable<StreamPlan['failure']>,
  write: (data: unknown) => void,
  flushed: Promise<void>,
): Promise<void> {
  switch (failure.kind) {
    case 'destroy':
      await flushed;
      res.socket?.destroy();
      return;
    case 'stall':
      return; // the connection stays open, silent, until the client leaves or the fake closes
    case 'truncate':
      res.end();
      return;
    case 'stream-error':
      write(inStreamServerError);
      res.end();
      return;
  }
}
