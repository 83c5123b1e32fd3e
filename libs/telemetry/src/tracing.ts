import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TracingConfig {
  service: string;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`; tracing stays off (a no-op tracer) when unset. */
  otlpEndpoint?: string | undefined;
}

export interface Tracing {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry NodeSDK exporting spans over OTLP/HTTP. The SDK also honours the other
 * standard `OTEL_*` variables (headers, sampler, resource attributes). Call once, before the
 * service starts work.
 */
export function startTracing(config: TracingConfig): Tracing {
  if (!config.otlpEndpoint) return { enabled: false, shutdown: () => Promise.resolve() };
  const base = config.otlpEndpoint.replace(/\/$/, '');
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.service }),
    traceExporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }),
    instrumentations: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}

/** The tracer every Audexly module uses; a no-op until {@link startTracing} enabled export. */
export function tracer(): Tracer {
  return trace.getTracer('audexly');
}
