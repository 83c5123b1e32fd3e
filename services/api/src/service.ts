import type { AddressInfo } from 'node:net';
import { BUCKETS, connectBus, openBucket, openRecordings, provisionJetStream } from '@audexly/bus';
import { createLogger, createMetricsRegistry, startTracing, type Logger } from '@audexly/telemetry';
import { buildApp } from './app.js';
import { CallStore } from './call-store.js';
import { loadApiConfig } from './config.js';

export interface RunningApi {
  /** The port it listens on (useful with `API_PORT=0`). */
  port: number;
  /** Stops taking requests, finishes those in flight, closes NATS. */
  stop(): Promise<void>;
}

/** Starts the control-plane API on `API_PORT`: call logs, recordings, health and metrics. */
export async function startApi(env: Record<string, string | undefined>, log?: Logger): Promise<RunningApi> {
  const config = loadApiConfig(env);
  const service = 'audexly-api';
  log ??= createLogger({ service, level: config.LOG_LEVEL, logPii: config.LOG_PII });
  const tracing = startTracing({ service: config.OTEL_SERVICE_NAME ?? service, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const bus = await connectBus({ servers: config.NATS_URL, name: service, log });
  await provisionJetStream(bus);
  const calls = new CallStore(await openBucket(bus, BUCKETS.calls), await openRecordings(bus), log);
  const app = await buildApp({ bus, calls, log, metrics: createMetricsRegistry(service), token: config.AUDEXLY_API_TOKEN });
  await app.listen({ port: config.API_PORT, host: '0.0.0.0' });
  const port = (app.server.address() as AddressInfo).port;
  log.info({ port }, 'api ready');
  let stopped: Promise<void> | undefined;
  return {
    port,
    stop: () =>
      (stopped ??= (async () => {
        await app.close();
        await bus.drain();
        await tracing.shutdown();
      })()),
  };
}
