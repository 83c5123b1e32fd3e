import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { CallIdGenerator, setCallTracing } from './call-trace.js';

export interface TracingConfig {
  service: string;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`; tracing stays off (a no-op tracer) when unset. */
  otlpEndpoint?: string | undefined;
  /** `service.instance.id` of the resource (a stage's `INSTANCE_ID`): which instance made a span. */
  instanceId?: string | undefined;
}

export interface Tracing {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

/** The process's one SDK (several services may run in one process: tests, the local runner). */
let running: { sdk: NodeSDK; users: number; service: string } | undefined;

/**
 * Starts the OpenTelemetry NodeSDK exporting spans over OTLP/HTTP, with the call-trace id generator
 * (call.ts: one trace per call) and the undici instrumentation (every `fetch`, as the OpenAI and
 * Sarvam SDKs make them, is a CLIENT span). The SDK also honours the other standard `OTEL_*`
 * variables (headers, sampler, resource attributes). Call once, before the service starts work.
 *
 * A process has one tracer provider: when several services run in one process, the first one to
 * start tracing names the resource (`service.name`) and the others share its SDK; it shuts down
 * when the last of them does.
 */
export function startTracing(config: TracingConfig): Tracing {
  if (!config.otlpEndpoint) return { enabled: false, shutdown: () => Promise.resolve() };
  if (!running) {
    const base = config.otlpEndpoint.replace(/\/$/, '');
    const sdk = new NodeSDK({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.service,
        ...(config.instanceId ? { 'service.instance.id': config.instanceId } : {}),
      }),
      traceExporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }),
      idGenerator: new CallIdGenerator(new tracing.RandomIdGenerator()),
      instrumentations: [new UndiciInstrumentation()],
    });
    sdk.start();
    running = { sdk, users: 0, service: config.service };
    setCallTracing(true);
  }
  const current = running;
  current.users += 1;
  let stopped = false;
  return {
    enabled: true,
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      current.users -= 1;
      if (current.users > 0) return flushTracing();
      if (running === current) running = undefined;
      setCallTracing(false);
      await current.sdk.shutdown();
      // Let a later start in this process (a test, a restarted service) register its own provider.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The tracer every Audexly module uses; a no-op until {@link startTracing} enabled export. */
export function tracer(): Tracer {
  return trace.getTracer('audexly');
}

/** Exports every span ended so far (tests; the last user's shutdown does it anyway). */
export async function flushTracing(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = provider.getDelegate?.() as { forceFlush?: () => Promise<void> } | undefined;
  await delegate?.forceFlush?.();
}
