import type { FastifyInstance } from 'fastify';
import type { Bus } from '@audexly/bus';
import { withTimeout } from '@audexly/protocol';
import type { Registry } from '@audexly/telemetry';
import { errorAnswer } from '../api-error.js';

const NATS_CHECK_TIMEOUT_MS = 1000;

/** True when a round trip to the NATS server completes in time. */
async function natsAnswers(bus: Bus): Promise<boolean> {
  if (bus.nc.isClosed()) return false;
  return withTimeout(bus.nc.flush(), NATS_CHECK_TIMEOUT_MS).then(
    () => true,
    () => false,
  );
}

/** `/api/v1/health` (NATS reachable), `/livez` (the process answers), `/metrics` (Prometheus). */
export function healthRoutes(bus: Bus, metrics: Registry) {
  return (app: FastifyInstance): Promise<void> => {
    app.get('/api/v1/health', async (_request, reply) => {
      if (await natsAnswers(bus)) return { status: 'ok' };
      const { status, body } = errorAnswer('nats_unavailable');
      return reply.code(status).send({ status: 'unavailable', ...body });
    });
    app.get('/livez', () => ({ status: 'ok' }));
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
    return Promise.resolve();
  };
}
