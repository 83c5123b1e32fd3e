import { createHash } from 'node:crypto';
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type TimeInput,
} from '@opentelemetry/api';

/**
 * One call = one trace, whatever instance of a stage handles it and after a failover: every id of
 * the call's trace is derived from the call id, so no service needs anything propagated to land in
 * it.
 *
 * - trace id: the first 32 hex digits of sha256(`audexly-trace:<callId>`);
 * - the `call` span (the root, emitted by the gateway): 16 hex digits of sha256(`call:<callId>`);
 * - the `turn` span of turn n (greeting = 0; agent turn n answers caller utterance n): 16 hex digits
 *   of sha256(`turn:<callId>:<n>`), a child of the call span.
 *
 * Stages parent their spans on {@link turnContext} (or {@link callContext} for work of no turn): a
 * remote, sampled span context with those ids. The gateway emits the call and turn spans themselves
 * with exactly those ids ({@link withForcedIds}). With tracing off every function here returns at
 * once, without hashing.
 */

let enabled = false;

/** Internal: {@link startTracing} turns the call trace on once a tracer provider exports. */
export function setCallTracing(on: boolean): void {
  enabled = on;
}

/** Whether spans are exported in this process (false: the no-op tracer, nothing to compute). */
export function tracingEnabled(): boolean {
  return enabled;
}

const hex = (input: string) => createHash('sha256').update(input).digest('hex');

/** The trace id of a call (32 hex digits). */
export function callTraceId(callId: string): string {
  return hex(`audexly-trace:${callId}`).slice(0, 32);
}

/** The span id of a call's root `call` span (16 hex digits). */
export function callSpanId(callId: string): string {
  return hex(`call:${callId}`).slice(0, 16);
}

/** The span id of a call's `turn` span for turn `turn` (16 hex digits). */
export function turnSpanId(callId: string, turn: number): string {
  return hex(`turn:${callId}:${turn}`).slice(0, 16);
}

function remote(traceId: string, spanId: string): Context {
  const spanContext: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** A context whose parent is the call's `call` span: for a call's work that belongs to no turn. */
export function callContext(callId: string): Context {
  if (!enabled) return ROOT_CONTEXT;
  return remote(callTraceId(callId), callSpanId(callId));
}

/** A context whose parent is the `turn` span of the call's turn `turn`. */
export function turnContext(callId: string, turn: number): Context {
  if (!enabled) return ROOT_CONTEXT;
  return remote(callTraceId(callId), turnSpanId(callId, turn));
}

/**
 * The parent for a span of the call's work: `ctx` (the active context by default) when it is a span
 * of the call's trace below the call span itself; else the `turn` span of `turn` when the work
 * belongs to one (an event with a turn or utterance number); else the call span.
 */
export function inCallTrace(callId: string, ctx: Context = context.active(), turn?: number): Context {
  if (!enabled) return ctx;
  const active = trace.getSpanContext(ctx);
  const traceId = callTraceId(callId);
  if (active?.traceId === traceId && (turn === undefined || active.spanId !== callSpanId(callId))) return ctx;
  return remote(traceId, turn === undefined ? callSpanId(callId) : turnSpanId(callId, turn));
}

interface ForcedIds {
  traceId?: string;
  spanId?: string;
}
let forced: ForcedIds | undefined;

/**
 * Runs `fn` (which starts one span, synchronously) so that the span gets these ids: the
 * {@link CallIdGenerator} hands them out instead of random ones, once each.
 */
export function withForcedIds<T>(ids: ForcedIds, fn: () => T): T {
  forced = { ...ids };
  try {
    return fn();
  } finally {
    forced = undefined;
  }
}

/** The tracer provider's id generator: random ids, except the forced ones of {@link withForcedIds}. */
export class CallIdGenerator {
  constructor(private readonly random: { generateTraceId(): string; generateSpanId(): string }) {}

  generateTraceId(): string {
    const id = forced?.traceId;
    if (id === undefined) return this.random.generateTraceId();
    forced!.traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = forced?.spanId;
    if (id === undefined) return this.random.generateSpanId();
    forced!.spanId = undefined;
    return id;
  }
}

const tracer = () => trace.getTracer('audexly');

/** Attributes common to a call's spans. */
export interface CallSpanAttributes {
  streamSid?: string | undefined;
  agentId?: string | undefined;
  language?: string | undefined;
  [key: string]: string | number | boolean | undefined;
}

function callAttributes(callId: string, attrs: CallSpanAttributes, turn?: number): Attributes {
  const out: Attributes = { 'audexly.call_id': callId };
  if (turn !== undefined) out['audexly.turn'] = turn;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (key === 'streamSid') out['audexly.stream_sid'] = value;
    else if (key === 'agentId') out['audexly.agent_id'] = value;
    else out[key] = value;
  }
  return out;
}

/** Starts the call's root `call` span (the gateway, at `start`); end it when the call ends. */
export function startCallSpan(callId: string, startTime: TimeInput, attrs: CallSpanAttributes = {}): Span {
  if (!enabled) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return withForcedIds({ traceId: callTraceId(callId), spanId: callSpanId(callId) }, () =>
    tracer().startSpan('call', {
      root: true,
      kind: SpanKind.SERVER,
      startTime,
      attributes: callAttributes(callId, attrs),
    }),
  );
}

/** Starts the `turn` span of turn `turn` with its derived id (the gateway; end it when the turn ends). */
export function startTurnSpan(
  callId: string,
  turn: number,
  startTime: TimeInput,
  attrs: CallSpanAttributes = {},
): Span {
  if (!enabled) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  const parent = callContext(callId);
  return withForcedIds({ spanId: turnSpanId(callId, turn) }, () =>
    tracer().startSpan('turn', { startTime, attributes: callAttributes(callId, attrs, turn) }, parent),
  );
}

/**
 * Starts a stage's span within the call's trace: under the turn span when `turn` is a number, else
 * under the call span. `name` is low-cardinality (`stt.utterance`, `llm.turn`): never an id.
 */
export function startCallStageSpan(
  name: string,
  callId: string,
  turn: number | null | undefined,
  attrs: CallSpanAttributes = {},
  options: SpanOptions = {},
): Span {
  if (!enabled) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  const parent = typeof turn === 'number' ? turnContext(callId, turn) : callContext(callId);
  return tracer().startSpan(
    name,
    { ...options, attributes: { ...callAttributes(callId, attrs, turn ?? undefined), ...options.attributes } },
    parent,
  );
}

/** Starts a span beneath `parent` (a span of the call's trace this process holds), else beneath the active one. */
export function startChildSpan(parent: Span | undefined, name: string, options: SpanOptions = {}): Span {
  if (!enabled) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return tracer().startSpan(name, options, parent ? trace.setSpan(ROOT_CONTEXT, parent) : context.active());
}

/** The active span, when tracing is on and one is active. */
export function activeSpan(): Span | undefined {
  return enabled ? trace.getActiveSpan() : undefined;
}

/** Runs `fn` in the call's context (its spans and requests land under the call span unless nested deeper). */
export function inCallContext<T>(callId: string, fn: () => T): T {
  if (!enabled) return fn();
  return context.with(callContext(callId), fn);
}

/**
 * Runs `fn` inside a new span beneath the active one (a tool call within `llm.turn`); the span ends
 * when `fn`'s promise settles, with an error status when it rejects.
 */
export async function inChildSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const span = tracer().startSpan(name, { attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

/** Runs `fn` with `span` active (so requests it makes and events it publishes are its children). */
export function withSpan<T>(span: Span, fn: () => T): T {
  if (!enabled) return fn();
  return context.with(trace.setSpan(context.active(), span), fn);
}

/**
 * The exemplar labels that tie a histogram observation to the call's trace (`trace_id`), when
 * tracing is on; none when it is off (prom-client then keeps no exemplar).
 */
export function traceExemplar(callId: string): Record<string, string> {
  return enabled ? { trace_id: callTraceId(callId) } : {};
}

/** The log fields that tie a call's log lines to its trace (`trace_id`), when tracing is on. */
export function callLogBindings(callId: string): { callId: string; trace_id?: string } {
  return enabled ? { callId, trace_id: callTraceId(callId) } : { callId };
}
