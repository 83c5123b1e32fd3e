import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendError } from './api-error.js';

/** Paths anyone may call: probes and metrics scrapes carry no token. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/api/v1/health', '/livez', '/metrics']);

/**
 * Path prefixes without the bearer token: the API docs, and the Exotel-facing endpoints (each
 * checks its own capability token).
 */
export const PUBLIC_PREFIXES: readonly string[] = ['/api/docs', '/api/v1/telephony/exotel'];

/**
 * Whether a path needs the bearer token: everything under `/api/` but the public paths. Other
 * paths (the dashboard's static files) are open; the dashboard itself calls the API with the token.
 */
export function requiresToken(path: string): boolean {
  if (!path.startsWith('/api/') && path !== '/api') return false;
  if (PUBLIC_PATHS.has(path)) return false;
  return !PUBLIC_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** Compares secrets in constant time (whatever their lengths). */
export function tokensMatch(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Requires `Authorization: Bearer <token>` where {@link requiresToken} says so. With no token
 * configured the API is open and this registers nothing.
 */
export function registerAuth(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) {
    app.log.warn('AUDEXLY_API_TOKEN is not set: the API is open to anyone who can reach it (development only)');
    return;
  }
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // Both the raw path and the route it matched must be public.
    if (!requiresToken(path) && !requiresToken(request.routeOptions.url ?? path)) return;
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      reply.header('www-authenticate', 'Bearer realm="audexly"');
      return sendError(
        reply,
        'unauthorized',
        'missing Authorization header: send "Authorization: Bearer <AUDEXLY_API_TOKEN>"',
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="audexly"');
      return sendError(reply, 'unauthorized', 'the Authorization header must be "Bearer <token>"');
    }
    if (!tokensMatch(match[1] ?? '', token)) {
      reply.header('www-authenticate', 'Bearer realm="audexly", error="invalid_token"');
      return sendError(reply, 'unauthorized', 'the bearer token is not valid');
    }
  });
}
