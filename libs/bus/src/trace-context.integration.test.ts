import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, delay } from '@audexly/protocol';
import { callSpanId, callTraceId, flushTracing, startTracing, turnSpanId, type Tracing } from '@audexly/telemetry';
import type { Bus } from './bus.js';
import { testBus, uniqueCallId } from './test/nats.js';

interface Exported {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

let server: Server;
const spans: Exported[] = [];
let tracing: Tracing;
let bus: Bus;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: Exported[] }[] }[];
      };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  tracing = startTracing({
    service: 'bus-test',
    otlpEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  bus = await testBus('trace-context-test');
});

afterAll(async () => {
  await bus?.drain();
  await tracing?.shutdown();
  server?.close();
});

const ms = (ns: string) => Number(BigInt(ns) / 1_000_000n);

describe('trace context on the bus', () => {
  it("puts an event's publish and receipt in the call's trace, and runs the consumer's work inside its span", async () => {
    const callId = uniqueCallId();
    const speech = bus.subscribeEvents(callId, 'speech');
    const control = bus.subscribeEvents(callId, 'control');
    await bus.flush();
    // Published outside any span: the PRODUCER span goes under the turn span of utterance 1.
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 10,
      utterance: 1,
      speechStartMs: 5,
    });
    for await (const received of speech) {
      // The handler's work, in the consumer span's context: what it publishes continues from it.
      await context.with(received.trace, async () => {
        await delay(60);
        bus.publishEvent('control', {
          type: 'control.interrupt',
          v: PROTOCOL_VERSION,
          callId,
          timelineMs: 70,
          turn: 1,
          reason: 'test',
        });
      });
      break;
    }
    for await (const _ of control) break;
    await flushTracing();

    const traceId = callTraceId(callId);
    const ofCall = spans.filter((s) => s.traceId === traceId);
    const produced = ofCall.find((s) => s.name === 'call.*.speech publish');
    const consumed = ofCall.find((s) => s.name === 'call.*.speech process');
    const answered = ofCall.find((s) => s.name === 'call.*.control publish');
    const received = ofCall.find((s) => s.name === 'call.*.control process');
    expect(produced?.kind).toBe(4); // PRODUCER
    expect(produced?.parentSpanId).toBe(turnSpanId(callId, 1));
    expect(consumed?.kind).toBe(5); // CONSUMER
    expect(consumed?.parentSpanId).toBe(produced?.spanId);
    // The consumer span lasted as long as the handler (60 ms), and what it published is its child.
    expect(ms(consumed!.endTimeUnixNano) - ms(consumed!.startTimeUnixNano)).toBeGreaterThanOrEqual(50);
    expect(answered?.parentSpanId).toBe(consumed?.spanId);
    expect(received?.parentSpanId).toBe(answered?.spanId);
    expect(ofCall.some((s) => s.spanId === callSpanId(callId))).toBe(false); // the gateway emits that one
    expect(ofCall.every((s) => !s.name.includes(callId))).toBe(true);
  });
});
