import type { FastifyReply } from 'fastify';

/** Every error the API returns has this body. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

export function apiError(code: string, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** Sends `{ error: { code, message } }` with the status. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(apiError(code, message));
}
