import type { FastifyInstance } from 'fastify';
import type { Bus } from '@audexly/bus';
import type { Registry } from '@audexly/telemetry';

const NATS_CHECK_TIMEOUT_MS = 1000;

/** True when a round trip to the NATS server completes in time. */
async function natsAnswers(bus: Bus): Promise<boolean> {
  if (bus.nc.isClosed()) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), NATS_CHECK_TIMEOUT_MS)));
  const flushed = bus.nc.flush().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([flushed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/api/v1/health` (NATS reachable), `/livez` (the process answers), `/metrics` (Prometheus). */
export function healthRoutes(bus: Bus, metrics: Registry) {
  return (app: FastifyInstance): Promise<void> => {
    app.get('/api/v1/health', async (_request, reply) => {
      if (await natsAnswers(bus)) return { status: 'ok' };
      return reply.code(503).send({ status: 'unavailable', error: { code: 'nats_unavailable', message: 'the NATS server does not answer' } });
    });
    app.get('/livez', () => ({ status: 'ok' }));
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
    return Promise.resolve();
  };
}
