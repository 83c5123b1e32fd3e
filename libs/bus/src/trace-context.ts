import { context, propagation, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';

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
 * by call id (modelled on the OpenTelemetry kafkajs instrumentation).
 */
export function producerSpan(family: string, callId: string): Span {
  return trace.getTracer('audexly').startSpan(`call.*.${family} publish`, {
    kind: SpanKind.PRODUCER,
    attributes: { 'messaging.system': 'nats', 'messaging.destination.name': `call.*.${family}`, 'audexly.call_id': callId },
  });
}

/** A CONSUMER span for a received text event, parented on the publisher's context. */
export function consumerSpan(family: string, callId: string, parent: Context): Span {
  return trace.getTracer('audexly').startSpan(
    `call.*.${family} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': `call.*.${family}`, 'audexly.call_id': callId },
    },
    parent,
  );
}

export function newHeaders(): MsgHdrs {
  return natsHeaders();
}
