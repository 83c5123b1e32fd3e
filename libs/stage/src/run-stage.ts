import { z } from 'zod';
import type { Stage } from '@audexly/protocol';
import { commonSchema, env } from '@audexly/config';
import { connectBus, provisionJetStream, type Bus } from '@audexly/bus';
import { createLogger, createMetricsRegistry, onShutdown, startOpsServer, startTracing, type Logger, type Registry } from '@audexly/telemetry';
import { StageRuntime, type CallHandler } from './stage-runtime.js';

/** Variables every stage service reads, on top of its own. */
export function stageSchema(defaultMetricsPort: number) {
  return commonSchema.extend({
    METRICS_PORT: env.port(defaultMetricsPort).describe('port of /metrics, /livez, /readyz'),
    MAX_CALLS: env.int(100).describe('calls one instance holds at most'),
    INSTANCE_ID: z.string().optional().describe('instance name in logs and claims (default: random)'),
    DRAIN_TIMEOUT_MS: env.int(60_000).describe('on SIGTERM, how long live calls may continue'),
    CLAIM_SUBJECT_PREFIX: z.string().optional().describe('claims on `<prefix>.<stage>.claim` instead of `svc.<stage>.claim` (isolated test runs only; the gateway takes the same variable)'),
  });
}
export type StageConfig = z.infer<ReturnType<typeof stageSchema>>;

export interface StageContext {
  bus: Bus;
  log: Logger;
  metrics: Registry;
}

export interface RunStageOptions {
  stage: Stage;
  config: StageConfig;
  /** Builds the call handler once the bus is up (providers, caches, metrics). */
  createHandler(context: StageContext): CallHandler | Promise<CallHandler>;
  /** Claim subject override (tests isolate themselves this way); `CLAIM_SUBJECT_PREFIX` or `svc.<stage>.claim` by default. */
  claimSubject?: string;
}

export interface RunningStage {
  runtime: StageRuntime;
  bus: Bus;
  opsPort: number;
  /** Drains and closes everything (what SIGTERM does). */
  stop(): Promise<void>;
}

/**
 * Starts a stage service: tracing, NATS, JetStream state, ops endpoints, claims. Used by each
 * stage's main.ts and, in-process, by end-to-end tests.
 */
export async function startStage(options: RunStageOptions, log?: Logger): Promise<RunningStage> {
  const { stage, config } = options;
  const service = `audexly-${stage}`;
  log ??= createLogger({ service, level: config.LOG_LEVEL, logPii: config.LOG_PII });
  const tracing = startTracing({ service: config.OTEL_SERVICE_NAME ?? service, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const metrics = createMetricsRegistry(service);
  let ready = false;
  const ops = await startOpsServer({ port: config.METRICS_PORT, registry: metrics, isReady: () => ready, log });
  const bus = await connectBus({ servers: config.NATS_URL, name: `${service}${config.INSTANCE_ID ? `-${config.INSTANCE_ID}` : ''}`, log });
  await provisionJetStream(bus);
  const handler = await options.createHandler({ bus, log, metrics });
  const runtime = new StageRuntime({ stage, bus, log, handler, maxCalls: config.MAX_CALLS, instanceId: config.INSTANCE_ID, metrics, claimSubject: options.claimSubject ?? (config.CLAIM_SUBJECT_PREFIX ? `${config.CLAIM_SUBJECT_PREFIX}.${stage}.claim` : undefined) });
  runtime.start();
  ready = true;
  log.info({ opsPort: ops.port }, `${stage} ready`);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      ready = false;
      await runtime.drain(config.DRAIN_TIMEOUT_MS);
      await bus.drain();
      await ops.close();
      await tracing.shutdown();
    })());
  return { runtime, bus, opsPort: ops.port, stop };
}

/** main.ts of a stage: start, and drain on SIGTERM/SIGINT. */
export async function runStage(options: RunStageOptions): Promise<void> {
  const log = createLogger({ service: `audexly-${options.stage}`, level: options.config.LOG_LEVEL, logPii: options.config.LOG_PII });
  const running = await startStage(options, log);
  onShutdown(log, () => running.stop());
}
