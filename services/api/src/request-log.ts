/**
 * What the API's request log says about a request: its method and route pattern
 * (`/api/v1/numbers/:number`), never its URL. A URL carries caller numbers (`?number=+9198…`,
 * `/numbers/+9180…`) and credentials (the status callback's `?token=`), so query and path values
 * go under `pii` (redacted unless LOG_PII), and values under credential-like names (`token`,
 * `authorization`, `secret`, `key`, …) are left out altogether, whatever LOG_PII says. Headers
 * are never logged.
 */
import type { FastifyRequest } from 'fastify';

/** Query or path keys whose values are credentials: never logged. */
const CREDENTIAL_KEY = /token|secret|passw|authori[sz]ation|signature|^sig$|^key$|api[-_]?key|credential/i;

/** A request as the log shows it. */
export interface RequestLine {
  method: string;
  /** The route pattern it matched; `unmatched` for a 404 (whose path is not logged either). */
  route: string;
  /** Names of the query parameters (values only under `pii`). */
  query?: string[];
  pii?: { query?: Record<string, unknown>; params?: Record<string, unknown> };
}

function withoutCredentials(source: unknown): Record<string, unknown> | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const kept = Object.entries(source).filter(([key]) => !CREDENTIAL_KEY.test(key));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/** pino serializer for `req` in the API's logger (fastify logs `{ req: request }`). */
export function requestLine(
  request: Partial<Pick<FastifyRequest, 'method' | 'routeOptions' | 'query' | 'params'>>,
): RequestLine {
  const route = request.routeOptions?.url;
  const line: RequestLine = { method: request.method ?? 'unknown', route: route ?? 'unmatched' };
  const query = withoutCredentials(request.query);
  // An unmatched request's params are its raw path (`*`), which may hold anything.
  const params = route === undefined ? undefined : withoutCredentials(request.params);
  if (query) line.query = Object.keys(query);
  if (query || params) line.pii = { ...(query ? { query } : {}), ...(params ? { params } : {}) };
  return line;
}
