import { AudexlyError, ErrorCode } from '@audexly/protocol';
import OpenAI from 'openai';
import type { LlmChunk, LlmProvider, LlmRequest } from '../llm.js';
import { messageOf, statusOf, upstreamError } from '../upstream-error.js';
import { untilAborted } from './abortable.js';
import { IdleTimer } from './idle-timer.js';
import { toOpenAiMessages, toOpenAiTools } from './messages.js';
import { ToolCallAccumulator } from './tool-calls.js';

/** How to reach OpenAI (or an OpenAI-compatible server). */
export interface OpenAiLlmOptions {
  apiKey: string;
  /** e.g. `http://127.0.0.1:4020/v1`; default OpenAI's. */
  baseUrl?: string;
  /**
   * SDK retries (connection errors, 408/409/429/5xx) before the stream starts; default 2. The SDK
   * waits `retry-after(-ms)` or its backoff between tries; an aborted turn or the idle limit ends
   * that wait at once (see `untilAborted`).
   */
  maxRetries?: number;
  /** Time allowed until response headers; default 30 s. Streaming gaps are bounded by `idleTimeoutMs`. */
  timeoutMs?: number;
}

const defaultIdleTimeoutMs = 10_000;

/** Chat Completions streaming through the official SDK. */
export class OpenAiLlm implements LlmProvider {
  readonly name = 'openai';
  constructor(private readonly client: OpenAI) {}

  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    const idleMs = request.idleTimeoutMs ?? defaultIdleTimeoutMs;
    const idleAbort = new AbortController();
    const idle = new IdleTimer(idleMs, idleAbort);
    const signal = request.signal ? AbortSignal.any([request.signal, idleAbort.signal]) : idleAbort.signal;
    const calls = new ToolCallAccumulator();
    let finishReason: string | null = null;
    let usage: { promptTokens: number; completionTokens: number } | null = null;
    try {
      if (request.signal?.aborted) return;
      idle.touch();
      const pending = this.client.chat.completions.create(
        {
          model: request.model,
          messages: toOpenAiMessages(request.messages),
          stream: true,
          stream_options: { include_usage: true },
          ...(request.tools?.length ? { tools: toOpenAiTools(request.tools) } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
        },
        { signal },
      );
      const stream = await untilAborted(pending, signal, (late) => late.controller.abort());
      idle.touch();
      for await (const chunk of stream) {
        idle.pause();
        if (chunk.usage)
          usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices[0];
        calls.add(choice?.delta.tool_calls);
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        const text = choice?.delta.content;
        if (text) yield { type: 'text', text };
        if (signal.aborted) break;
        idle.touch();
      }
      idle.pause();
      if (idle.fired) throw idleTimeout(idleMs);
      if (request.signal?.aborted) return;
      // The SDK ends quietly when the body ends without [DONE]; without a finish_reason the answer was cut short.
      if (finishReason === null)
        throw upstreamError(ErrorCode.llmUpstream, 'OpenAI stream ended before a finish_reason', undefined);
      for (const call of calls.complete()) yield { type: 'tool-call', call };
      yield { type: 'done', finishReason, usage };
    } catch (err) {
      if (err instanceof AudexlyError) throw err;
      if (idle.fired) throw idleTimeout(idleMs, err);
      if (request.signal?.aborted) return;
      const status = statusOf(err);
      throw upstreamError(ErrorCode.llmUpstream, `OpenAI request failed: ${messageOf(err)}`, err, status);
    } finally {
      idle.pause();
    }
  }
}

function idleTimeout(ms: number, cause?: unknown): AudexlyError {
  return new AudexlyError(ErrorCode.timeout, `OpenAI stream idle for ${ms} ms`, { cause, retryable: true });
}

/** An OpenAI provider built only from explicit options (never from the environment). */
export function createOpenAiLlm(options: OpenAiLlmOptions): OpenAiLlm {
  return new OpenAiLlm(
    new OpenAI({
      apiKey: options.apiKey,
      // Explicit values, so the SDK does not fall back to OPENAI_* environment variables.
      baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
      organization: null,
      project: null,
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? 30_000,
    }),
  );
}
