import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { connectBus, provisionJetStream } from '@audexly/bus';
import { createRecordingStore } from '@audexly/storage';
import { createLogger, createMetricsRegistry, startTracing, type Logger } from '@audexly/telemetry';
import { buildApp } from './app.js';
import { CallStore } from './call-store.js';
import { loadApiConfig, type ApiConfig } from './config.js';
import { LiveCalls } from './live-calls.js';
import { SecretBox } from './secret-box.js';
import { StageInstances } from './stage-instances.js';
import { openStateBuckets } from './state-buckets.js';

export interface RunningApi {
  /** The port it listens on (useful with `API_PORT=0`). */
  port: number;
  /** The address it is bound to (`API_HOST`). */
  host: string;
  /** Stops taking requests, finishes those in flight, closes NATS. */
  stop(): Promise<void>;
}

export interface ApiOptions {
  /** Registers more on the app after the API routes (e.g. the dashboard's static files). */
  extend?: (app: FastifyInstance) => Promise<void>;
}

const SERVICE = 'audexly-api';

/** Starts the API in-process (tests, the local runner) from environment variables. */
export async function startApi(
  env: Record<string, string | undefined>,
  log?: Logger,
  options: ApiOptions = {},
): Promise<RunningApi> {
  const config = loadApiConfig(env);
  return await serveApi(
    config,
    log ?? createLogger({ service: SERVICE, level: config.LOG_LEVEL, logPii: config.LOG_PII }),
    options,
  );
}

/**
 * Serves the control-plane API on `API_HOST`:`API_PORT`: agents, numbers, telephony configs, call logs and
 * recordings, live calls, system health, outbound calls, health and metrics.
 */
export async function serveApi(config: ApiConfig, log: Logger, options: ApiOptions = {}): Promise<RunningApi> {
  const service = SERVICE;
  if (!config.AUDEXLY_SECRET_KEY)
    log.warn('AUDEXLY_SECRET_KEY is not set: telephony configs cannot be stored and outbound calls cannot be placed');
  const tracing = startTracing({
    service: config.OTEL_SERVICE_NAME ?? service,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const bus = await connectBus({ servers: config.NATS_URL, name: service, log });
  await provisionJetStream(bus, { replicas: config.JETSTREAM_REPLICAS });
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
      streamTokenTtlS: config.OUTBOUND_STREAM_TOKEN_TTL_S,
    },
    log,
    metrics: createMetricsRegistry(service),
    token: config.AUDEXLY_API_TOKEN,
    jaegerUiUrl: config.JAEGER_UI_URL,
    ...(options.extend ? { extend: options.extend } : {}),
  });
  await bus.flush();
  await app.listen({ port: config.API_PORT, host: config.API_HOST });
  const { port, address: host } = app.server.address() as AddressInfo;
  log.info({ host, port }, 'api ready');
  let stopped: Promise<void> | undefined;
  return {
    port,
    host,
    stop: () =>
      (stopped ??= (async () => {
        await app.close();
        await Promise.all([live.stop(), instances.stop()]);
        await bus.drain();
        await tracing.shutdown();
      })()),
  };
}
