/** A chat message as the fake sees it (OpenAI wire shape). */
export interface ChatMessage {
  role: string;
  content?: string | null;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** A function call the fake model makes: the tool's name and its JSON arguments text (sent as is, valid or not). */
export interface FakeToolCall {
  name: string;
  arguments: string;
}

/**
 * What the fake model answers:
 * - a string: text only (`finish_reason: "stop"`);
 * - `{ toolCall }`: one function call (`finish_reason: "tool_calls"`);
 * - `{ text?, toolCalls }`: optional text first, then one or more calls streamed one after another by
 *   `index` (reference B3: "text first, then the tool call"; parallel calls start at index 1, 2, …).
 *   With `parallel_tool_calls: false` in the request only the first call is made.
 */
export type FakeReply =
  string | { text?: string; toolCall: FakeToolCall } | { text?: string; toolCalls: FakeToolCall[] };

/** Options of {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** Accepted bearer key; default `sk-test`. Any other key gets 401 `invalid_api_key`. */
  apiKey?: string;
  /** Port to listen on (loopback); default 0, a free port. */
  port?: number;
  /** Keep every request in `requests` (default true, for tests); a load run sets it false. */
  keepRequestLog?: boolean;
  /** The reply to a conversation; default {@link defaultReply}. */
  reply?: (messages: ChatMessage[], body: Record<string, unknown>) => FakeReply;
  /** Delay before the first chunk (and before a non-streamed answer); default 0. */
  firstTokenMs?: number;
  /** Delay between chunks; default 0. */
  tokenDelayMs?: number;
  /**
   * Seed of the deterministic generator that chooses where tool-call arguments are split into
   * fragments (3–7 of them, at arbitrary character positions); default 1. The same seed, arguments
   * and call index always give the same fragments.
   */
  seed?: number;
}

/**
 * A scripted failure for the next valid request (requests the fake refuses with a 400 do not use it up):
 * - `status`: answer this HTTP status with OpenAI's error body (401: `invalid_api_key`; 429:
 *   `rate_limit_exceeded`; ≥ 500: type `server_error`; others: `invalid_request_error`), plus
 *   `retry-after-ms` / `retry-after` / `x-should-retry` headers when given. The SDK retries 408, 409,
 *   429 and ≥ 500 (reference B1);
 * - `stream-error`: after `afterChunks` content chunks, send an in-stream `{"error":…}` event and end;
 * - `destroy`: after `afterChunks` content chunks, destroy the socket mid-stream;
 * - `stall`: after `afterChunks` content chunks, send nothing more but hold the connection open until
 *   the client leaves (or {@link FakeOpenAI.close});
 * - `truncate`: after `afterChunks` content chunks, end the response cleanly with neither a
 *   `finish_reason` chunk nor `[DONE]` (a proxy cutting the body short).
 *
 * `afterChunks` (default 1) counts deltas after the first role delta; a reply with fewer fails after its last.
 * The mid-stream kinds wait in the queue for the next streamed request.
 */
export type OpenAIFailure =
  | {
      kind: 'status';
      status: number;
      /** Sets `retry-after-ms` (the SDK prefers it to `retry-after`). */
      retryAfterMs?: number;
      /** Sets `retry-after` in seconds (the real API sends whole seconds; a fraction is written as given). */
      retryAfterSeconds?: number;
      /** Sets `x-should-retry`, which overrides the SDK's own decision to retry. */
      shouldRetry?: boolean;
    }
  | { kind: 'stream-error'; afterChunks?: number }
  | { kind: 'destroy'; afterChunks?: number }
  | { kind: 'stall'; afterChunks?: number }
  | { kind: 'truncate'; afterChunks?: number };

/** One request as it arrived and how it ended. */
export interface OpenAIRequestLog {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (`{}` when it was not JSON). */
  body: Record<string, unknown>;
  /** The HTTP status answered. */
  status: number;
  /** `x-stainless-retry-count` as a number: 0 for the SDK's first attempt, n for its n-th retry. */
  retryCount: number | null;
  /** The `x-request-id` the fake answered with. */
  requestId: string;
  /** The OpenAI error code (or type, when the code is null) of an error answer. */
  error?: string;
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
