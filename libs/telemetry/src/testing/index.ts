import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { CallIdGenerator, setCallTracing } from '../call-trace.js';

/** A finished span as a test sees it. */
export interface CapturedSpan {
  name: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  events: { name: string; atMs: number; attributes: Record<string, unknown> }[];
}

export interface SpanCapture {
  /** Every span ended so far. */
  spans(): CapturedSpan[];
  /** Turns tracing off again (the no-op tracer). */
  stop(): void;
}

const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

/**
 * Turns the call trace on in this process with an in-memory tracer provider (the same id
 * generator as the NodeSDK's), for unit tests of code that makes a call's spans.
 */
export function captureSpans(): SpanCapture {
  const exporter = new tracing.InMemorySpanExporter();
  // A Node provider, registered as the NodeSDK registers it: with the AsyncLocalStorage context
  // manager, so a span made active stays active across awaits (as in production).
  const provider = new node.NodeTracerProvider({
    idGenerator: new CallIdGenerator(new tracing.RandomIdGenerator()),
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });
  provider.register();
  setCallTracing(true);
  return {
    spans: () =>
      exporter.getFinishedSpans().map((s) => ({
        name: s.name,
        traceId: s.spanContext().traceId,
        spanId: s.spanContext().spanId,
        parentSpanId: s.parentSpanContext?.spanId ?? '',
        startMs: ms(s.startTime),
        endMs: ms(s.endTime),
        attributes: { ...s.attributes },
        events: s.events.map((e) => ({ name: e.name, atMs: ms(e.time), attributes: { ...e.attributes } })),
      })),
    stop: () => {
      setCallTracing(false);
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
