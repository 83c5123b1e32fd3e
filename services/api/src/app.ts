import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Bus } from '@audexly/bus';
import { Counter, Histogram, LATENCY_BUCKETS_MS, type Logger, type Registry } from '@audexly/telemetry';
import { sendError, sendFrameworkError } from './api-error.js';
import { PUBLIC_PATHS, registerAuth } from './auth.js';
import { InvalidRecordError, type CallStore } from './call-store.js';
import { dashboardRoutes } from './dashboard.js';
import type { LiveCalls } from './live-calls.js';
import { registerDocs } from './openapi.js';
import { requestLine } from './request-log.js';
import { agentRoutes } from './routes/agents.js';
import { callRoutes } from './routes/calls.js';
import { callTraceRoutes } from './routes/call-trace.js';
import { healthRoutes } from './routes/health.js';
import { numberRoutes } from './routes/numbers.js';
import { outboundRoutes, type OutboundSettings } from './routes/outbound.js';
import { statusCallbackRoutes } from './routes/status-callback.js';
import { systemRoutes } from './routes/system.js';
import { telephonyConfigRoutes } from './routes/telephony-configs.js';
import type { StageInstances } from './stage-instances.js';
import type { StateBuckets } from './state-buckets.js';
import type { RecordingStoreKind } from '@audexly/storage';

export interface ApiDependencies {
  bus: Bus;
  calls: CallStore;
  state: StateBuckets;
  /** Where recordings are kept (the call store reads them). */
  recordingStore: RecordingStoreKind;
  live: LiveCalls;
  instances: StageInstances;
  outbound: OutboundSettings;
  log: Logger;
  metrics: Registry;
  /** Jaeger's UI (`JAEGER_UI_URL`): the call's trace links point there. */
  jaegerUiUrl?: string | undefined;
  /** Bearer token every non-public request must send; undefined leaves the API open. */
  token: string | undefined;
  /** Registers more on the app after the API routes (e.g. the dashboard's static files). */
  extend?: (app: FastifyInstance) => Promise<void>;
}

/** The API's fastify app, not yet listening (tests may `inject` into it). */
export async function buildApp(deps: ApiDependencies): Promise<FastifyInstance> {
  // Request lines name the route, never the URL (numbers and tokens travel in URLs).
  const logger: FastifyBaseLogger = deps.log.child({}, { serializers: { req: requestLine } });
  const app = Fastify({
    loggerInstance: logger,
    // Probes and scrapes every few seconds would drown the request log.
    logController: new LogController({
      disableRequestLogging: (request) => PUBLIC_PATHS.has(request.url.split('?')[0] ?? ''),
    }),
  });
  observe(app, deps.metrics);
  registerAuth(app, deps.token);

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
  app.setErrorHandler((err, request, reply) => {
    if (err instanceof InvalidRecordError) {
      request.log.error({ err }, 'invalid call record in the store');
      return sendError(reply, 'invalid_record', err.message);
    }
    const status =
      typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number'
        ? err.statusCode
        : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return sendFrameworkError(reply, status, 'internal', 'internal error');
    }
    const code =
      typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
        ? err.code.toLowerCase()
        : 'bad_request';
    const message = err instanceof Error ? err.message : 'bad request';
    return sendFrameworkError(reply, status, code, message);
  });

  await registerDocs(app);
  await app.register(healthRoutes(deps.bus, deps.metrics));
  await app.register(agentRoutes(deps.state));
  await app.register(numberRoutes(deps.state));
  await app.register(telephonyConfigRoutes(deps.state, deps.outbound.box));
  await app.register(callRoutes(deps.calls, deps.bus, deps.live));
  await app.register(callTraceRoutes(deps.calls, deps.jaegerUiUrl));
  await app.register(outboundRoutes(deps.state, deps.outbound));
  await app.register(statusCallbackRoutes(deps.state, deps.outbound.secretKey));
  await app.register(systemRoutes(deps.bus, deps.recordingStore, deps.instances, deps.live));
  await app.register(dashboardRoutes());
  if (deps.extend) await deps.extend(app);
  return app;
}

/** Request count and duration per route, for `/metrics`. */
function observe(app: FastifyInstance, metrics: Registry): void {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'audexly_api_requests_total',
    help: 'HTTP requests answered',
    labelNames,
    registers: [metrics],
  });
  const duration = new Histogram({
    name: 'audexly_api_request_duration_ms',
    help: 'Time to answer an HTTP request',
    labelNames,
    buckets: LATENCY_BUCKETS_MS,
    registers: [metrics],
  });
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime);
    done();
  });
}
