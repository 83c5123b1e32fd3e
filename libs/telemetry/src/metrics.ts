import { Registry, collectDefaultMetrics, type OpenMetricsContentType } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A Prometheus registry per service, with Node's default process metrics and a `service` label.
 * It speaks OpenMetrics (which Prometheus scrapes like its own format) because only OpenMetrics
 * carries exemplars: the latency histograms point at the trace of a call they observed.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  // prom-client types a registry by its format; the rest of the code takes a plain Registry.
  (registry as unknown as Registry<OpenMetricsContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Latency buckets in ms, from a single frame to a slow provider. */
export const LATENCY_BUCKETS_MS = [5, 10, 20, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000];
