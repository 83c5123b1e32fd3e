import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { LlmToolCall } from '../llm.js';

type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall;

/**
 * Puts streamed tool calls back together (reference B3). A call's first delta carries its `index`,
 * `id`, `type`, `function.name` and `arguments: ""`; later deltas carry only `index` and a fragment of
 * the arguments, cut anywhere. Every field but `index` is optional on every delta, so each is taken
 * when present and the fragments are joined by `index`, however the calls interleave.
 */
export class ToolCallAccumulator {
  private readonly calls = new Map<number, LlmToolCall>();

  add(deltas: readonly ToolCallDelta[] | undefined): void {
    for (const delta of deltas ?? []) {
      const call = this.calls.get(delta.index) ?? { id: '', name: '', arguments: '' };
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
      this.calls.set(delta.index, call);
    }
  }

  /** The calls in `index` order. */
  complete(): LlmToolCall[] {
    return [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  }
}
