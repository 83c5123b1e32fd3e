import { z } from 'zod';
import { CALL_CHECK_INTERVAL_MS, type Stage } from '@audexly/protocol';
import { commonSchema, env } from '@audexly/config';
import { connectBus, provisionJetStream, registerBusMetrics, type Bus } from '@audexly/bus';
import {
  createLogger,
  createMetricsRegistry,
  DEFAULT_OPS_HOST,
  onShutdown,
  startOpsServer,
  startTracing,
  type Logger,
  type Registry,
} from '@audexly/telemetry';
import { StageRuntime, type CallHandler } from './stage-runtime.js';

/** Variables every stage service reads, on top of its own. */
export function stageSchema(defaultMetricsPort: number) {
  return commonSchema.extend({
    METRICS_PORT: env.port(defaultMetricsPort).describe('port of /metrics, /livez, /readyz'),
    OPS_HOST: env
      .host(DEFAULT_OPS_HOST)
      .describe(
        'listen address of /metrics, /livez, /readyz: loopback by default; 0.0.0.0 in containers (the images set it) so probes and Prometheus reach it',
      ),
    MAX_CALLS: env.int(100).describe('calls one instance holds at most'),
    INSTANCE_ID: z.string().optional().describe('instance name in logs and claims (default: random)'),
    DRAIN_TIMEOUT_MS: env
      .int(60_000)
      .describe(
        'on SIGTERM, how long live calls may continue; then they are released to other instances and the process exits',
      ),
    CALL_CHECK_MS: env
      .int(CALL_CHECK_INTERVAL_MS)
      .describe(
        'how often each held call is checked with its gateway; a call no gateway holds is ended within two periods (0 = never)',
      ),
    CLAIM_SUBJECT_PREFIX: z
      .string()
      .optional()
      .describe(
        'claims on `<prefix>.<stage>.claim` instead of `svc.<stage>.claim` (isolated test runs only; the gateway takes the same variable)',
      ),
  });
}
export type StageConfig = z.infer<ReturnType<typeof stageSchema>>;

export interface StageContext {
  bus: Bus;
  log: Logger;
  metrics: Registry;
  /** Registers work to stop when the stage stops, before its calls drain (a periodic sweep, a cache). */
  onStop: (hook: () => Promise<void>) => void;
}

/** A stage service: what `runStage` (its main.ts) and `startStage` (in-process: tests, the local runner) start. */
export interface RunStageOptions {
  stage: Stage;
  /** The stage's configuration, parsed once from the environment by whoever starts it. */
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
 * Starts a stage service: tracing, ops endpoints, NATS, JetStream state, the call handler, claims.
 * {@link runStage} starts a stage process through it; tests and the local runner call it in-process.
 */
export async function startStage(options: RunStageOptions, log?: Logger): Promise<RunningStage> {
  const { stage, config } = options;
  const service = `audexly-${stage}`;
  log ??= stageLogger(options);
  const tracing = startTracing({
    service: config.OTEL_SERVICE_NAME ?? service,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    instanceId: config.INSTANCE_ID,
  });
  const metrics = createMetricsRegistry(service);
  let ready = false;
  const link: { bus?: Bus } = {};
  // Not ready while NATS is down: the stage cannot work (liveness is unaffected: it reconnects on its own).
  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    host: config.OPS_HOST,
    registry: metrics,
    isReady: () => ready && link.bus?.connected === true,
    log,
  });
  const bus = await connectBus({
    servers: config.NATS_URL,
    name: `${service}${config.INSTANCE_ID ? `-${config.INSTANCE_ID}` : ''}`,
    log,
  });
  link.bus = bus;
  registerBusMetrics(metrics, bus);
  await provisionJetStream(bus, { replicas: config.JETSTREAM_REPLICAS });
  const stopHooks: Array<() => Promise<void>> = [];
  const handler = await options.createHandler({ bus, log, metrics, onStop: (hook) => stopHooks.push(hook) });
  const claimSubject =
    options.claimSubject ?? (config.CLAIM_SUBJECT_PREFIX ? `${config.CLAIM_SUBJECT_PREFIX}.${stage}.claim` : undefined);
  const runtime = new StageRuntime({
    stage,
    bus,
    log,
    handler,
    maxCalls: config.MAX_CALLS,
    instanceId: config.INSTANCE_ID,
    callCheckMs: config.CALL_CHECK_MS,
    metrics,
    claimSubject,
  });
  await runtime.start();
  ready = true;
  log.info({ opsPort: ops.port }, `${stage} ready`);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      ready = false;
      for (const hook of stopHooks) await hook();
      await runtime.drain(config.DRAIN_TIMEOUT_MS);
      await bus.drain();
      await ops.close();
      await tracing.shutdown();
    })());
  return { runtime, bus, opsPort: ops.port, stop };
}

/** A stage's main.ts: its logger, {@link startStage}, and a drain on SIGTERM/SIGINT. */
export async function runStage(options: RunStageOptions): Promise<RunningStage> {
  const log = stageLogger(options);
  const running = await startStage(options, log);
  onShutdown(log, () => running.stop());
  return running;
}

function stageLogger({ stage, config }: RunStageOptions): Logger {
  return createLogger({ service: `audexly-${stage}`, level: config.LOG_LEVEL, logPii: config.LOG_PII });
}
