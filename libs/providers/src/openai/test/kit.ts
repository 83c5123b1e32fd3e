import type { LlmChunk, LlmRequest } from '../../llm.js';
import { createOpenAiLlm } from '../llm.js';
import type { OpenAiLlm } from '../llm.js';

/** A provider pointed at a fake; retries are off unless a test turns them on. */
export function llmAt(baseUrl: string, options: { apiKey?: string; maxRetries?: number } = {}): OpenAiLlm {
  return createOpenAiLlm({ apiKey: options.apiKey ?? 'sk-test', baseUrl, maxRetries: options.maxRetries ?? 0 });
}

/** A system prompt and one user message. */
export function userTurn(content: string, extra: Partial<LlmRequest> = {}): LlmRequest {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a voice agent.' },
      { role: 'user', content },
    ],
    ...extra,
  };
}

/** Every chunk of a stream (throws what the stream throws). */
export async function collect(chunks: AsyncIterable<LlmChunk>): Promise<LlmChunk[]> {
  const out: LlmChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

/** The chunks a stream yielded before it threw, and what it threw (undefined if it ended). */
export async function collectUntilError(
  chunks: AsyncIterable<LlmChunk>,
): Promise<{ chunks: LlmChunk[]; error: unknown }> {
  const out: LlmChunk[] = [];
  try {
    for await (const c of chunks) out.push(c);
    return { chunks: out, error: undefined };
  } catch (error) {
    return { chunks: out, error };
  }
}
