export { createLogger, type Logger, type LoggerConfig } from './logger.js';
export { createMetricsRegistry, LATENCY_BUCKETS_MS, Counter, Gauge, Histogram, Registry } from './metrics.js';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server.js';
export { startTracing, tracer, type Tracing, type TracingConfig } from './tracing.js';
export { onShutdown } from './shutdown.js';
