import { format } from 'node:util';
import type { FastifyReply } from 'fastify';
import type { ApiErrorBody, FieldProblem } from '@audexly/protocol/api';

export type { ApiErrorBody } from '@audexly/protocol/api';

/**
 * Every error code the API answers with: its HTTP status and its message, `%s` filled in by the
 * caller in order (fastify's `createError` style). Codes are stable; clients branch on them.
 */
export const API_ERRORS = {
  invalid_call_id: { status: 400, message: 'not a call id: %s (1-128 characters of A-Z, a-z, 0-9, _ and -)' },
  invalid_query: { status: 400, message: '%s' },
  invalid_number: { status: 400, message: 'not a phone number: %s' },
  stream_url_too_long: {
    status: 400,
    message: 'the StreamUrl would have %s characters; Exotel takes at most %s (shorten PUBLIC_URL)',
  },
  unauthorized: { status: 401, message: '%s' },
  invalid_token: { status: 403, message: 'the status callback token %s' },
  not_found: { status: 404, message: '%s' },
  number_exists: { status: 409, message: '%s is already routed: PUT /api/v1/numbers/%s to point it elsewhere' },
  agent_in_use: { status: 409, message: 'agent %s still answers %s: point %s to another agent or delete %s first' },
  telephony_config_in_use: {
    status: 409,
    message: 'numbers %s use telephony config %s: re-point or delete them first',
  },
  secrets_unreadable: { status: 409, message: '%s were sealed with another AUDEXLY_SECRET_KEY: %s' },
  range_not_satisfiable: { status: 416, message: 'the recording has %s bytes' },
  internal: { status: 500, message: 'internal error' },
  invalid_record: { status: 500, message: '%s' },
  exotel_error: { status: 502, message: '%s' },
  secret_key_missing: { status: 503, message: 'AUDEXLY_SECRET_KEY is not set on the API: %s' },
  public_url_missing: {
    status: 503,
    message: 'PUBLIC_URL is not set on the API: Exotel needs the public URL of the gateway to stream the call to',
  },
  exotel_rate_limited: { status: 503, message: 'Exotel rate-limited the request (HTTP 429): %s' },
  nats_unavailable: { status: 503, message: 'the NATS server does not answer' },
} as const satisfies Record<string, { status: number; message: string }>;
export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * The codes of a 422: the request is well-formed, but these fields are wrong (`problems` lists
 * each, with a message for people).
 */
export const PROBLEM_CODES = [
  'invalid_agent',
  'invalid_number',
  'invalid_telephony_config',
  'invalid_outbound_call',
  'unknown_agent',
  'unknown_telephony_config',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export function apiError(code: string, message: string, problems?: FieldProblem[]): ApiErrorBody {
  return { error: problems ? { code, message, problems } : { code, message } };
}

/** The status and body of error `code`, its message's `%s` filled with `args`. */
export function errorAnswer(
  code: ApiErrorCode,
  ...args: Array<string | number>
): { status: number; body: ApiErrorBody } {
  const { status, message } = API_ERRORS[code];
  return { status, body: apiError(code, format(message, ...args)) };
}

/** Sends `{ error: { code, message } }` with the code's status. */
export function sendError(reply: FastifyReply, code: ApiErrorCode, ...args: Array<string | number>): FastifyReply {
  const { status, body } = errorAnswer(code, ...args);
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/**
 * Sends an error fastify raised (a body that is not JSON, one too large): its own status and its
 * code in lower case, since these are not ours to name.
 */
export function sendFrameworkError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(apiError(code, message));
}

/** Problems summed up in one message: the first few, in order. */
const SUMMARY_PROBLEMS = 8;

/** Sends 422 `{ error: { code, message, problems } }`: the request is well-formed but these fields are wrong. */
export function sendProblems(reply: FastifyReply, code: ProblemCode, problems: readonly FieldProblem[]): FastifyReply {
  const shown = problems.slice(0, SUMMARY_PROBLEMS).map((p) => p.message);
  if (problems.length > SUMMARY_PROBLEMS) shown.push(`and ${problems.length - SUMMARY_PROBLEMS} more`);
  return reply
    .code(422)
    .type('application/json; charset=utf-8')
    .send(apiError(code, shown.join('; '), [...problems]));
}
