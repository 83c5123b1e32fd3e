/** A chat message as the fake sees it (OpenAI wire shape). */
export interface ChatMessage {
  role: string;
  content?: string | null;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** What the fake model answers: text, or one tool call. */
export type FakeReply = string | { toolCall: { name: string; arguments: string } };

/** Options of {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** Accepted bearer key; default `sk-test`. */
  apiKey?: string;
  port?: number;
  /** The reply to a conversation; default {@link defaultReply}. */
  reply?: (messages: ChatMessage[], body: Record<string, unknown>) => FakeReply;
  /** Delay before the first chunk; default 0. */
  firstTokenMs?: number;
  /** Delay between chunks; default 0. */
  tokenDelayMs?: number;
}

/**
 * A scripted failure for the next request:
 * - `status`: answer this HTTP status with OpenAI's error body (`retryAfterMs` sets `retry-after-ms`);
 * - `stream-error`: after `afterChunks` content chunks, send an in-stream `{"error":…}` event and end;
 * - `destroy`: after `afterChunks` content chunks, destroy the socket mid-stream;
 * - `stall`: after `afterChunks` content chunks, stop sending (never end) until the client gives up.
 */
export type OpenAIFailure =
  | { kind: 'status'; status: number; retryAfterMs?: number }
  | { kind: 'stream-error'; afterChunks?: number }
  | { kind: 'destroy'; afterChunks?: number }
  | { kind: 'stall'; afterChunks?: number };

/** One request as it arrived and how it ended. */
export interface OpenAIRequestLog {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  status: number;
  /** The client closed the connection before the response ended (abort). */
  closedByClient: boolean;
  /** When the client closed it, epoch ms (`performance.timeOrigin + performance.now()`, sub-ms). */
  closedByClientAt?: number;
  /** The response was sent to its end. */
  completed: boolean;
}

/** The default reply: two friendly sentences quoting the last user message. */
export function defaultReply(messages: ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  const said = typeof last?.content === 'string' ? last.content : '';
  return `Thanks, I heard you say "${said}". How else can I help you today?`;
}
