import { performance } from 'node:perf_hooks';
import { ErrorCode, UpstreamError, type AudexlyError } from '@audexly/protocol';
import type { LlmMessage, LlmProvider, LlmRequest, LlmTool, LlmToolCall } from '@audexly/providers';
import { SentenceSplitter } from './sentence-splitter.js';
import { recordRound } from './turn-span.js';

/** How one agent's replies are generated (the agent's `llm` config plus service tuning). */
export interface ReplySettings {
  model: string;
  temperature: number;
  maxTokens: number;
  idleTimeoutMs: number;
  minSegmentChars: number;
}

export interface ReplyOutcome {
  /** `aborted`: the turn was cut off (newer input, interrupt, call end); `failed`: the provider failed. */
  status: 'done' | 'aborted' | 'failed';
  /** Segments handed to `onSegment`, in order. */
  segments: string[];
  /** Tool calls the model made (complete), in order; empty unless status is `done`. */
  toolCalls: LlmToolCall[];
  /** Time from the request to the first streamed text or tool call. */
  firstTokenMs: number | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  error?: AudexlyError;
}

/** The model request of a reply to `messages` (without its signal), the same for a speculative one. */
export function replyRequest(
  messages: LlmMessage[],
  settings: ReplySettings & { tools?: LlmTool[] },
): Omit<LlmRequest, 'signal'> {
  return {
    model: settings.model,
    messages,
    ...(settings.tools?.length ? { tools: settings.tools } : {}),
    temperature: settings.temperature,
    maxTokens: settings.maxTokens,
    idleTimeoutMs: settings.idleTimeoutMs,
  };
}

/**
 * Streams one completion and hands out each sentence as soon as it is complete (the first one
 * fast, later ones at least `minSegmentChars`). Nothing is handed out once `signal` has aborted;
 * the text that had not become a segment by then is dropped.
 */
export async function streamReply(
  provider: LlmProvider,
  messages: LlmMessage[],
  settings: ReplySettings & { tools?: LlmTool[] },
  signal: AbortSignal,
  onSegment: (text: string) => void,
): Promise<ReplyOutcome> {
  const outcome = await streamRound(provider, messages, settings, signal, onSegment);
  recordRound(
    outcome.firstTokenMs,
    outcome.usage,
    outcome.status === 'failed' ? (outcome.error?.code ?? 'failed') : outcome.status,
  );
  return outcome;
}

async function streamRound(
  provider: LlmProvider,
  messages: LlmMessage[],
  settings: ReplySettings & { tools?: LlmTool[] },
  signal: AbortSignal,
  onSegment: (text: string) => void,
): Promise<ReplyOutcome> {
  const splitter = new SentenceSplitter({ minChars: settings.minSegmentChars });
  const outcome: ReplyOutcome = { status: 'done', segments: [], toolCalls: [], firstTokenMs: null, usage: null };
  const emit = (sentences: string[]) => {
    for (const text of sentences) {
      if (signal.aborted) return;
      onSegment(text);
      outcome.segments.push(text);
    }
  };
  const started = performance.now();
  try {
    const stream = provider.stream({ ...replyRequest(messages, settings), signal });
    for await (const chunk of stream) {
      if (signal.aborted) break;
      if (chunk.type === 'text') {
        outcome.firstTokenMs ??= Math.round(performance.now() - started);
        emit(splitter.push(chunk.text));
      } else if (chunk.type === 'tool-call') {
        outcome.firstTokenMs ??= Math.round(performance.now() - started);
        outcome.toolCalls.push(chunk.call);
      } else {
        outcome.usage = chunk.usage;
      }
    }
  } catch (err) {
    if (!signal.aborted) {
      outcome.status = 'failed';
      outcome.toolCalls = [];
      outcome.error = UpstreamError.from(err, ErrorCode.llmUpstream, 'language model stream failed');
      return outcome;
    }
  }
  if (signal.aborted) {
    outcome.status = 'aborted';
    outcome.toolCalls = [];
    return outcome;
  }
  emit(splitter.flush());
  return outcome;
}
