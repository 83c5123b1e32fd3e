import { context, propagation, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import { inCallTrace } from '@audexly/telemetry';

const setter = {
  set(carrier: MsgHdrs, key: string, value: string) {
    carrier.set(key, value);
  },
};
const getter = {
  get(carrier: MsgHdrs, key: string) {
    return carrier.get(key) || undefined;
  },
  keys(carrier: MsgHdrs) {
    return carrier.keys();
  },
};

/** Writes the active (or given) trace context into NATS headers as `traceparent`/`tracestate`. */
export function injectTrace(hdrs: MsgHdrs, ctx: Context = context.active()): MsgHdrs {
  propagation.inject(ctx, hdrs, setter);
  return hdrs;
}

/** Reads the trace context a publisher put into NATS headers. */
export function extractTrace(hdrs: MsgHdrs | undefined): Context {
  return hdrs ? propagation.extract(context.active(), hdrs, getter) : context.active();
}

/**
 * A PRODUCER span for publishing a text event, named by subject family (`call.*.speech`), never
 * by call id (modelled on the OpenTelemetry kafkajs instrumentation). It belongs to the call's
 * trace: a child of the active span when that is a span of the call's trace (a stage's `llm.turn`),
 * else of the turn span of the event's turn (`turn`: its turn or utterance number), else of the
 * call span.
 */
export function producerSpan(family: string, callId: string, turn?: number): Span {
  return trace.getTracer('audexly').startSpan(
    `call.*.${family} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': `call.*.${family}`,
        'audexly.call_id': callId,
      },
    },
    inCallTrace(callId, context.active(), turn),
  );
}

/**
 * A CONSUMER span for a received text event, parented on the publisher's context when that is in
 * the call's trace (else on the call span: a publisher without tracing, an old one).
 */
export function consumerSpan(family: string, callId: string, parent: Context): Span {
  return trace.getTracer('audexly').startSpan(
    `call.*.${family} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': `call.*.${family}`,
        'audexly.call_id': callId,
      },
    },
    inCallTrace(callId, parent),
  );
}

export function newHeaders(): MsgHdrs {
  return natsHeaders();
}
