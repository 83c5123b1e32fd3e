import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTracing, tracer } from './tracing.js';

describe('tracing', () => {
  it('is a no-op without an OTLP endpoint', async () => {
    const tracing = startTracing({ service: 'svc', otlpEndpoint: undefined });
    expect(tracing.enabled).toBe(false);
    await tracing.shutdown();
  });

  it('exports spans over OTLP/HTTP to the configured endpoint (as to Jaeger)', async () => {
    const bodies: { path: string; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('latin1') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const tracing = startTracing({ service: 'audexly-test', otlpEndpoint: `http://127.0.0.1:${port}/` });
      expect(tracing.enabled).toBe(true);
      tracer().startSpan('call.*.speech process').end();
      await tracing.shutdown();
      expect(bodies.map((b) => b.path)).toContain('/v1/traces');
      const sent = bodies.map((b) => b.body).join('');
      expect(sent).toContain('call.*.speech process');
      expect(sent).toContain('audexly-test');
    } finally {
      server.close();
    }
  });
});
