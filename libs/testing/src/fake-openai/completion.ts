import { countTokens, splitArguments, splitForStreaming, takeTokens } from './chunks.js';
import type { FakeReply, FakeToolCall } from './types.js';

/** A function call as the fake answers it. */
export interface AnsweredCall {
  id: string;
  name: string;
  arguments: string;
}

/** What the fake model answers to one request, after the request's limits were applied. */
export interface Completion {
  /** The text, or null for a reply that is only tool calls. */
  text: string | null;
  toolCalls: AnsweredCall[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** Tokens answered (see `countTokens`): the text's plus every call's arguments'. */
  completionTokens: number;
}

/**
 * Applies the request to a scripted reply:
 * - `parallel_tool_calls: false` keeps only the first call (reference B3: one call per turn);
 * - `max_completion_tokens` (or the older `max_tokens`) cuts the answer after that many tokens — the
 *   text first, then each call's arguments in order (a call's name costs nothing: a choice) — and the
 *   finish reason becomes `length`. Arguments cut short stay cut (invalid JSON), as the real API's do.
 */
export function completionFor(
  reply: FakeReply,
  body: Record<string, unknown>,
  callId: (index: number) => string,
): Completion {
  const scripted: { text: string | null; calls: FakeToolCall[] } =
    typeof reply === 'string'
      ? { text: reply, calls: [] }
      : { text: reply.text ?? null, calls: 'toolCall' in reply ? [reply.toolCall] : reply.toolCalls };
  const calls = body.parallel_tool_calls === false ? scripted.calls.slice(0, 1) : scripted.calls;
  const limit =
    typeof body.max_completion_tokens === 'number'
      ? body.max_completion_tokens
      : typeof body.max_tokens === 'number'
        ? body.max_tokens
        : Infinity;

  let left = limit;
  let cut = false;
  const take = (text: string): string => {
    const tokens = countTokens(text);
    if (tokens <= left) {
      left -= tokens;
      return text;
    }
    cut = true;
    const kept = takeTokens(text, left);
    left = 0;
    return kept;
  };
  const text = scripted.text === null ? null : take(scripted.text);
  const toolCalls: AnsweredCall[] = [];
  for (const [index, call] of calls.entries()) {
    if (cut) break;
    const args = take(call.arguments);
    if (cut && args === '') break;
    toolCalls.push({ id: callId(index), name: call.name, arguments: args });
  }
  const total = countTokens(scripted.text ?? '') + calls.reduce((n, c) => n + countTokens(c.arguments), 0);
  return {
    text: text === null && toolCalls.length === 0 ? '' : text,
    toolCalls,
    finishReason: cut ? 'length' : toolCalls.length ? 'tool_calls' : 'stop',
    completionTokens: Math.min(total, limit),
  };
}

/**
 * The deltas that stream a completion (reference B2/B3): first `role: "assistant"` (with `content: ""`,
 * or `content: null` and the first call's start when there is no text), then text pieces, then each
 * call by `index`: a start delta with id, type, name and `arguments: ""`, then its arguments in
 * fragments that carry only `index` and the text.
 */
export function completionDeltas(completion: Completion, seed: number): Array<Record<string, unknown>> {
  const deltas: Array<Record<string, unknown>> = [];
  for (const piece of completion.text ? splitForStreaming(completion.text) : []) deltas.push({ content: piece });
  for (const [index, call] of completion.toolCalls.entries()) {
    deltas.push({
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
    });
    for (const fragment of splitArguments(call.arguments, seed + index))
      deltas.push({ tool_calls: [{ index, function: { arguments: fragment } }] });
  }
  const first =
    completion.text === null
      ? { role: 'assistant', content: null, ...deltas.shift(), refusal: null }
      : { role: 'assistant', content: '', refusal: null };
  return [first, ...deltas];
}

/** The non-streamed answer's `message`. */
export function completionMessage(completion: Completion): Record<string, unknown> {
  return {
    role: 'assistant',
    content: completion.text,
    refusal: null,
    ...(completion.toolCalls.length
      ? {
          tool_calls: completion.toolCalls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.name, arguments: c.arguments },
          })),
        }
      : {}),
  };
}
