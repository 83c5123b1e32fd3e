/**
 * Sarvam's error shapes (reference A0 "Errors (REST)", A2, A2b and A4 server messages): REST bodies
 * carry a string `code` named after the status; STT socket errors a string `code`; realtime STT
 * socket errors a string `code` and `is_fatal`; TTS socket errors an integer `code` (the HTTP status).
 */

/** Sarvam's `error.code` for an HTTP status (reference A0, table of `error.code`). */
export function sarvamErrorCode(status: number): string {
  if (status === 401 || status === 403) return 'invalid_api_key_error';
  if (status === 404) return 'not_found_error';
  if (status === 422) return 'unprocessable_entity_error';
  if (status === 429 || status === 503) return 'rate_limit_exceeded_error';
  if (status >= 500) return 'internal_server_error';
  return 'invalid_request_error';
}

/** A REST error body: `{"error":{"message","code","request_id"}}`. */
export function restErrorBody(status: number, message: string, requestId?: string): { error: Record<string, string> } {
  return { error: { message, code: sarvamErrorCode(status), ...(requestId ? { request_id: requestId } : {}) } };
}

/** A refusal the fake answers with: HTTP status and a message for people. */
export interface Refusal {
  status: number;
  message: string;
}

/** An STT socket error message: `{"type":"error","data":{"error","code"}}`. */
export function sttSocketError(
  message: string,
  code = 'invalid_request_error',
): { type: 'error'; data: { error: string; code: string } } {
  return { type: 'error', data: { error: message, code } };
}

/** A TTS socket error message: `{"type":"error","data":{"message","code":<status>,"details":{},"request_id"}}`. */
export function ttsSocketError(
  message: string,
  status: number,
  requestId: string,
): { type: 'error'; data: { message: string; code: number; details: Record<string, never>; request_id: string } } {
  return { type: 'error', data: { message, code: status, details: {}, request_id: requestId } };
}

/** A realtime STT socket error (SDK `RealtimeError`); `statusCode` only on fatal ones, as documented. */
export interface RealtimeErrorMessage {
  event: 'error';
  code: string;
  is_fatal: boolean;
  message: string;
  status_code?: number;
}

/**
 * `{"event":"error","code","is_fatal","message"}`. The non-fatal codes are the fake's: Sarvam
 * documents only `invalid_config` (a refused `config.update`); the fake says `invalid_request` for a
 * message it cannot take.
 */
export function realtimeSocketError(
  code: string,
  message: string,
  fatal?: { statusCode: number },
): RealtimeErrorMessage {
  return {
    event: 'error',
    code,
    is_fatal: fatal !== undefined,
    message,
    ...(fatal ? { status_code: fatal.statusCode } : {}),
  };
}

/** The most a WebSocket close reason may take (RFC 6455: a 125-byte control payload less the code). */
export const CLOSE_REASON_MAX_BYTES = 123;

/** `text` cut to {@link CLOSE_REASON_MAX_BYTES} of UTF-8, at a character boundary. */
export function closeReason(text: string): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > CLOSE_REASON_MAX_BYTES) break;
    end += char.length;
  }
  return text.slice(0, end);
}
