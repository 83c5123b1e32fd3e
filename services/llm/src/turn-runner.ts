import { performance } from 'node:perf_hooks';
import { AudexlyError, ErrorCode } from '@audexly/protocol';
import type { LlmMessage, LlmProvider } from '@audexly/providers';
import { SentenceSplitter } from './sentence-splitter.js';

/** How one agent's replies are generated (the agent's `llm` config plus service tuning). */
export interface ReplySettings {
  model: string;
  temperature: number;
  maxTokens: number;
  idleTimeoutMs: number;
  minSegmentChars: number;
}

export interface ReplyOutcome {
  /** `aborted`: the turn was cut off (newer speech, interrupt, call end); `failed`: the provider failed. */
  status: 'done' | 'aborted' | 'failed';
  /** Segments handed to `onSegment`, in order. */
  segments: string[];
  /** Time from the request to the first streamed text. */
  firstTokenMs: number | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  error?: AudexlyError;
}

/**
 * Streams one completion and hands out each sentence as soon as it is complete. Nothing is handed
 * out once `signal` has aborted; the text that had not become a segment by then is dropped.
 */
export async function streamReply(
  provider: LlmProvider,
  messages: LlmMessage[],
  settings: ReplySettings,
  signal: AbortSignal,
  onSegment: (text: string, index: number) => void,
): Promise<ReplyOutcome> {
  const splitter = new SentenceSplitter({ minChars: settings.minSegmentChars });
  const outcome: ReplyOutcome = { status: 'done', segments: [], firstTokenMs: null, usage: null };
  const emit = (sentences: string[]) => {
    for (const text of sentences) {
      if (signal.aborted) return;
      onSegment(text, outcome.segments.length);
      outcome.segments.push(text);
    }
  };
  const started = performance.now();
  try {
    const stream = provider.stream({
      model: settings.model,
      messages,
      temperature: settings.temperature,
      maxTokens: settings.maxTokens,
      idleTimeoutMs: settings.idleTimeoutMs,
      signal,
    });
    for await (const chunk of stream) {
      if (signal.aborted) break;
      if (chunk.type === 'text') {
        outcome.firstTokenMs ??= Math.round(performance.now() - started);
        emit(splitter.push(chunk.text));
      } else if (chunk.type === 'done') {
        outcome.usage = chunk.usage;
      }
    }
  } catch (err) {
    if (!signal.aborted) {
      outcome.status = 'failed';
      outcome.error = err instanceof AudexlyError ? err : new AudexlyError(ErrorCode.llmUpstream, 'language model stream failed', { cause: err, retryable: true });
      return outcome;
    }
  }
  if (signal.aborted) {
    outcome.status = 'aborted';
    return outcome;
  }
  emit(splitter.flush());
  return outcome;
}
