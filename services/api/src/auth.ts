import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendError } from './api-error.js';

/** Paths anyone may call: probes and metrics scrapes carry no token. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/api/v1/health', '/livez', '/metrics']);

/** Compares secrets in constant time (whatever their lengths). */
export function tokensMatch(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Requires `Authorization: Bearer <token>` on every path but {@link PUBLIC_PATHS}. With no token
 * configured the API is open and this registers nothing.
 */
export function registerAuth(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) {
    app.log.warn('AUDEXLY_API_TOKEN is not set: the API is open to anyone who can reach it (development only)');
    return;
  }
  app.addHook('onRequest', async (request, reply) => {
    if (PUBLIC_PATHS.has(request.url.split('?')[0] ?? '')) return;
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      reply.header('www-authenticate', 'Bearer realm="audexly"');
      return sendError(reply, 401, 'unauthorized', 'missing Authorization header: send "Authorization: Bearer <AUDEXLY_API_TOKEN>"');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="audexly"');
      return sendError(reply, 401, 'unauthorized', 'the Authorization header must be "Bearer <token>"');
    }
    if (!tokensMatch(match[1] ?? '', token)) {
      reply.header('www-authenticate', 'Bearer realm="audexly", error="invalid_token"');
      return sendError(reply, 401, 'unauthorized', 'the bearer token is not valid');
    }
  });
}
