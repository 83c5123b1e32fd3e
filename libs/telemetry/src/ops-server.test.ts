import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createMetricsRegistry, Counter } from './metrics.js';
import { startOpsServer } from './ops-server.js';

describe('ops server', () => {
  it('serves Prometheus metrics, liveness, and readiness that follows the service', async () => {
    const registry = createMetricsRegistry('svc');
    new Counter({ name: 'audexly_test_total', help: 'test', registers: [registry] }).inc(3);
    let ready = false;
    const ops = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      isReady: () => ready,
      log: createLogger({ service: 't', level: 'silent' }),
    });
    try {
      const base = `http://127.0.0.1:${ops.port}`;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('audexly_test_total{service="svc"} 3');
      expect(metrics).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`${base}/livez`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    } finally {
      await ops.close();
    }
  });
});

describe('ops server address', () => {
  const log = createLogger({ service: 't', level: 'silent' });

  it('binds to 127.0.0.1 when no host is given, so /metrics stays on the machine', async () => {
    const ops = await startOpsServer({ port: 0, registry: createMetricsRegistry('svc'), isReady: () => true, log });
    try {
      expect(ops.host).toBe('127.0.0.1');
    } finally {
      await ops.close();
    }
  });

  it('binds to the host it is given', async () => {
    const ops = await startOpsServer({
      port: 0,
      host: '0.0.0.0',
      registry: createMetricsRegistry('svc'),
      isReady: () => true,
      log,
    });
    try {
      expect(ops.host).toBe('0.0.0.0');
      expect((await fetch(`http://127.0.0.1:${ops.port}/livez`)).status).toBe(200);
    } finally {
      await ops.close();
    }
  });
});
