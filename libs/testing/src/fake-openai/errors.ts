/**
 * OpenAI's HTTP error answers (reference B5): `{"error":{"message","type","param","code"}}`. The SDK
 * turns the body into `APIError.error/.type/.param/.code` and its message into `"<status> <message>"`.
 */
export interface ApiError {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
  /** Extra response headers (`retry-after`, …); `x-request-id` is added by the server. */
  headers?: Record<string, string>;
}

/** The JSON body of an error answer. */
export function errorBody(e: ApiError): {
  error: { message: string; type: string; param: string | null; code: string | null };
} {
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
}

/** 400 `invalid_request_error`, the answer to every request the real API refuses as malformed. */
export function invalidRequest(message: string, param: string | null, code: string | null = null): ApiError {
  return { status: 400, message, type: 'invalid_request_error', param, code };
}

/** 401 for a wrong or missing key (reference B5 body; the real message masks the key). */
export function invalidApiKey(key: string): ApiError {
  const masked =
    key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : key.replace(/./g, '*');
  return {
    status: 401,
    message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  };
}

/** The body for a scripted HTTP failure of `status` (reference B5: 429 `rate_limit_exceeded`, 5xx `server_error`); `key` is the caller's. */
export function scriptedError(status: number, key: string): ApiError {
  if (status === 401) return invalidApiKey(key);
  if (status === 429) {
    return {
      status,
      message:
        'Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    };
  }
  if (status >= 500)
    return {
      status,
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    };
  return {
    status,
    message: `The fake was told to answer ${status}.`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
}

/** The in-stream error event the SDK turns into an `APIError` with no status (reference B5 "In-stream error"). */
export const inStreamServerError = {
  error: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    param: null,
    code: null,
  },
} as const;
