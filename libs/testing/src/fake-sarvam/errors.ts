/**
 * Sarvam's error shapes (reference A0 "Errors (REST)", A2 and A4 server messages): REST bodies carry
 * a string `code` named after the status; STT socket errors a string `code`; TTS socket errors an
 * integer `code` (the HTTP status).
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
