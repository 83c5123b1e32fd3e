export { createLogger, type Logger, type LoggerConfig } from './logger.js';
export { createMetricsRegistry, LATENCY_BUCKETS_MS, Counter, Gauge, Histogram, Registry } from './metrics.js';
export { DEFAULT_OPS_HOST, startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server.js';
export { flushTracing, startTracing, tracer, type Tracing, type TracingConfig } from './tracing.js';
export {
  activeSpan,
  callContext,
  inCallContext,
  inChildSpan,
  startChildSpan,
  callLogBindings,
  callSpanId,
  callTraceId,
  inCallTrace,
  startCallSpan,
  startCallStageSpan,
  startTurnSpan,
  traceExemplar,
  tracingEnabled,
  turnContext,
  turnSpanId,
  withForcedIds,
  withSpan,
  type CallSpanAttributes,
} from './call-trace.js';
export { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
export { onShutdown } from './shutdown.js';
