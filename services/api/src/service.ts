import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { connectBus, provisionJetStream } from '@audexly/bus';
import { createRecordingStore } from '@audexly/storage';
import { createLogger, createMetricsRegistry, startTracing, type Logger } from '@audexly/telemetry';
import { buildApp } from './app.js';
import { CallStore } from './call-store.js';
import { loadApiConfig } from './config.js';
import { LiveCalls } from './live-calls.js';
import { SecretBox } from './secret-box.js';
import { StageInstances } from './stage-instances.js';
import { openStateBuckets } from './state-buckets.js';

export interface RunningApi {
  /** The port it listens on (useful with `API_PORT=0`). */
  port: number;
  /** Stops taking requests, finishes those in flight, closes NATS. */
  stop(): Promise<void>;
}

export interface ApiOptions {
  /** Registers more on the app after the API routes (e.g. the dashboard's static files). */
  extend?: (app: FastifyInstance) => Promise<void>;
}

/**
 * Starts the control-plane API on `API_PORT`: agents, numbers, telephony configs, call logs and
 * recordings, live calls, system health, outbound calls, health and metrics.
 */
export async function startApi(env: Record<string, string | undefined>, log?: Logger, options: ApiOptions = {}): Promise<RunningApi> {
  const config = loadApiConfig(env);
  const service = 'audexly-api';
  log ??= createLogger({ service, level: config.LOG_LEVEL, logPii: config.LOG_PII });
  if (!config.AUDEXLY_SECRET_KEY) log.warn('AUDEXLY_SECRET_KEY is not set: telephony configs cannot be stored and outbound calls cannot be placed');
  const tracing = startTracing({ service: config.OTEL_SERVICE_NAME ?? service, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const bus = await connectBus({ servers: config.NATS_URL, name: service, log });
  await provisionJetStream(bus);
  const state = await openStateBuckets(bus, log);
  const recordings = await createRecordingStore(config, bus);
  const calls = await CallStore.open(bus, recordings, state, log);
  const live = new LiveCalls(bus, log);
  const instances = new StageInstances(bus, log);
  const secretKey = config.AUDEXLY_SECRET_KEY;
  const app = await buildApp({
    bus,
    calls,
    state,
    recordingStore: recordings.kind,
    live,
    instances,
    outbound: {
      secretKey,
      box: secretKey ? new SecretBox(secretKey) : undefined,
      publicUrl: config.PUBLIC_URL,
      apiPublicUrl: config.API_PUBLIC_URL,
      exotelBaseUrl: config.EXOTEL_API_BASE_URL,
      exotelTimeoutMs: config.EXOTEL_TIMEOUT_MS,
    },
    log,
    metrics: createMetricsRegistry(service),
    token: config.AUDEXLY_API_TOKEN,
    ...(options.extend ? { extend: options.extend } : {}),
  });
  await bus.flush();
  await app.listen({ port: config.API_PORT, host: '0.0.0.0' });
  const port = (app.server.address() as AddressInfo).port;
  log.info({ port }, 'api ready');
  let stopped: Promise<void> | undefined;
  return {
    port,
    stop: () =>
      (stopped ??= (async () => {
        await app.close();
        await Promise.all([live.stop(), instances.stop()]);
        await bus.drain();
        await tracing.shutdown();
      })()),
  };
}
