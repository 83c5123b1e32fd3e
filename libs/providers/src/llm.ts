/**
 * One message of a chat history. An assistant turn that called tools carries `toolCalls`; each
 * call's result comes back as a `tool` message with the call's id.
 */
export type LlmMessage =
  | { role: 'system' | 'user' | 'assistant'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls: LlmToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** A tool the model asked to run. `arguments` is the model's JSON text, unvalidated. */
export interface LlmToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface LlmTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One completion request. */
export interface LlmRequest {
  model: string;
  messages: LlmMessage[];
  tools?: LlmTool[];
  temperature?: number;
  maxTokens?: number;
  /** Aborting ends the stream quietly (no throw, no further chunks). */
  signal?: AbortSignal;
  /** Longest wait for the next chunk (also for the first) before failing with a retryable timeout; default 10 s. */
  idleTimeoutMs?: number;
}

/**
 * What a completion streams: text pieces as they come; each tool call once it is complete; then
 * exactly one `done` with the provider's finish reason (`stop`, `tool_calls`, `length`, …) and
 * token usage when the provider reported it.
 */
export type LlmChunk =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; call: LlmToolCall }
  | { type: 'done'; finishReason: string; usage: { promptTokens: number; completionTokens: number } | null };

/**
 * A chat model. `stream` throws an `AudexlyError` (code `AUDEXLY_ERR_LLM_UPSTREAM`, or
 * `AUDEXLY_ERR_TIMEOUT` for an idle stream) with `retryable` set.
 */
export interface LlmProvider {
  readonly name: string;
  stream(request: LlmRequest): AsyncIterable<LlmChunk>;
}
