import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build -w @audexly/api` puts the built dashboard (the same from src/ and dist/). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../public', import.meta.url));

/** Hashed asset names never change content: cache them for a year; index.html always revalidates. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The page's own rules: scripts, styles and API calls from this origin only; the recording may
 * play from a blob (fetched with the bearer token); the favicon is a data: URL.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Audexly</title>
<style>body{font:15px/1.5 system-ui,sans-serif;color:#101828;background:#f5f6f8;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;border:1px solid #e4e7ec;border-radius:10px;padding:28px 32px;max-width:520px}
code{background:#f2f4f7;padding:1px 5px;border-radius:4px}</style></head>
<body><main><h1 style="font-size:20px;margin:0 0 8px">The dashboard is not built</h1>
<p>The Audexly API is running, but the dashboard's files are missing from <code>services/api/public</code>.
Build them with <code>npm run build</code> (or <code>npm run build -w @audexly/api</code>) and reload this page.</p>
<p>The API itself answers under <a href="/api/docs">/api/v1</a> (OpenAPI docs at <code>/api/docs</code>).</p></main></body></html>`;

/**
 * Serves the dashboard (a static single-page app with hash routing) at `/`. The files are public:
 * they hold no data; the dashboard calls `/api/v1/...` with the operator's bearer token. When the
 * dashboard is not built, `/` says so and how to build it.
 */
export function dashboardRoutes(dir: string = DASHBOARD_DIR) {
  return async (app: FastifyInstance): Promise<void> => {
    if (!existsSync(join(dir, 'index.html'))) {
      app.log.warn({ dir }, 'the dashboard is not built: `npm run build -w @audexly/api` builds it; / explains');
      app.get('/', { schema: { hide: true } }, (_request, reply) =>
        reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // Routes for the files present at start (no catch-all): unknown paths keep the API's JSON 404.
      wildcard: false,
      index: 'index.html',
      schemaHide: true,
      setHeaders(reply, path) {
        reply.header('x-content-type-options', 'nosniff');
        if (path.endsWith('.html')) {
          reply.header('cache-control', 'no-cache');
          reply.header('content-security-policy', CSP);
          reply.header('referrer-policy', 'no-referrer');
        } else if (path.startsWith(join(dir, 'assets'))) {
          reply.header('cache-control', IMMUTABLE);
        }
      },
    });
  };
}
