import type { FastifyInstance } from 'fastify';
import type { Registry } from '@audexly/telemetry';
import type { GatewayState } from './gateway-state.js';

export interface OpsRouteDeps {
  state: GatewayState;
  /** Open Exotel sockets now. */
  calls: () => number;
  maxCalls: number;
  registry: Registry;
}

/**
 * `/api/v1/health` (200 only while taking calls: 503 `starting`, `nats-unavailable`, `draining`),
 * `/livez` (the process answers), `/metrics` (Prometheus).
 */
export function opsRoutes({ state, calls, maxCalls, registry }: OpsRouteDeps) {
  return (app: FastifyInstance): Promise<void> => {
    app.get('/api/v1/health', (_req, reply) => {
      const status = state.health();
      return reply.code(status === 'ok' ? 200 : 503).send({ status, calls: calls(), maxCalls });
    });
    app.get('/livez', () => ({ status: 'ok' }));
    app.get('/metrics', async (_req, reply) =>
      reply.header('content-type', registry.contentType).send(await registry.metrics()),
    );
    return Promise.resolve();
  };
}
