import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';

/** Where the ops endpoints listen unless told otherwise: this host only. */
export const DEFAULT_OPS_HOST = '127.0.0.1';

export interface OpsServerOptions {
  port: number;
  /**
   * Listen address; loopback (`127.0.0.1`) by default, so `/metrics` is not exposed beyond the
   * host. Containers pass `0.0.0.0` (OPS_HOST) so probes and Prometheus reach it.
   */
  host?: string;
  registry: Registry;
  /** Readiness: false while starting and while draining. */
  isReady: () => boolean;
  log: Logger;
}

export interface OpsServer {
  readonly port: number;
  /** The address it is bound to (`127.0.0.1`, `0.0.0.0`, …). */
  readonly host: string;
  close(): Promise<void>;
}

/**
 * The operations endpoints of a service without its own HTTP server: `/metrics` (Prometheus),
 * `/livez` (the process answers) and `/readyz` (200 ready, 503 starting or draining).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(body);
        })
        .catch((err: unknown) => {
          options.log.warn({ err }, 'metrics collection failed');
          res.writeHead(500).end();
        });
      return;
    }
    if (path === '/livez') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const ready = options.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ready' : 'not-ready' }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? DEFAULT_OPS_HOST, () => resolve());
  });
  const { port, address: host } = server.address() as AddressInfo;
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
