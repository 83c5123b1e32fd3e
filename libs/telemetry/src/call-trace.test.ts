import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CallIdGenerator,
  callContext,
  callLogBindings,
  callSpanId,
  callTraceId,
  inCallTrace,
  setCallTracing,
  startCallSpan,
  startCallStageSpan,
  startTurnSpan,
  turnContext,
  turnSpanId,
  withForcedIds,
  withSpan,
} from './call-trace.js';
import { createLogger } from './logger.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const CALL = '0f3c5a1b2d4e6f708192a3b4c5d6e7f8';

describe('call trace ids', () => {
  it('derive the trace, call span and turn span ids from the call id alone', () => {
    expect(callTraceId(CALL)).toBe(sha(`audexly-trace:${CALL}`).slice(0, 32));
    expect(callSpanId(CALL)).toBe(sha(`call:${CALL}`).slice(0, 16));
    expect(turnSpanId(CALL, 2)).toBe(sha(`turn:${CALL}:2`).slice(0, 16));
    expect(callTraceId(CALL)).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set([0, 1, 2, 3].map((n) => turnSpanId(CALL, n))).size).toBe(4);
    expect(callTraceId('another')).not.toBe(callTraceId(CALL));
  });

  it('cost nothing with tracing off: the root context, no trace id bound to logs', () => {
    setCallTracing(false);
    expect(callContext(CALL)).toBe(ROOT_CONTEXT);
    expect(turnContext(CALL, 1)).toBe(ROOT_CONTEXT);
    expect(callLogBindings(CALL)).toEqual({ callId: CALL });
    expect(startCallSpan(CALL, Date.now()).isRecording()).toBe(false);
  });
});

describe('the forced-id generator', () => {
  const random = { generateTraceId: () => 'r'.repeat(32), generateSpanId: () => 'r'.repeat(16) };

  it('hands out the forced ids once, inside withForcedIds only; random ids otherwise', () => {
    const ids = new CallIdGenerator(random);
    expect(ids.generateSpanId()).toBe('r'.repeat(16));
    const inside = withForcedIds({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }, () => [
      ids.generateTraceId(),
      ids.generateSpanId(),
      ids.generateSpanId(),
    ]);
    expect(inside).toEqual(['a'.repeat(32), 'b'.repeat(16), 'r'.repeat(16)]);
    expect(ids.generateTraceId()).toBe('r'.repeat(32));
  });

  it('forgets the forced ids when the function throws', () => {
    const ids = new CallIdGenerator(random);
    expect(() =>
      withForcedIds({ spanId: 'c'.repeat(16) }, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(ids.generateSpanId()).toBe('r'.repeat(16));
  });
});

describe('spans of a call, with a tracer provider', () => {
  const exporter = new tracing.InMemorySpanExporter();

  beforeAll(() => {
    // Registers the provider with an AsyncLocalStorage context manager, as the NodeSDK does.
    new node.NodeTracerProvider({
      idGenerator: new CallIdGenerator(new tracing.RandomIdGenerator()),
      spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
    }).register();
    setCallTracing(true);
  });
  afterAll(() => {
    setCallTracing(false);
    trace.disable();
    context.disable();
  });

  it('puts the call span, the turn spans and the stages beneath them in one trace with the derived ids', () => {
    const start = Date.now();
    const call = startCallSpan(CALL, start, { streamSid: 'stream-1', agentId: 'agent-1' });
    const turn = startTurnSpan(CALL, 1, start + 10);
    const stage = startCallStageSpan('llm.turn', CALL, 1, { language: 'hi-IN' });
    const random = startCallStageSpan('stt.utterance', CALL, 1);
    stage.end();
    random.end();
    turn.end(start + 20);
    call.end(start + 30);
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const root = byName.get('call')!;
    expect(root.spanContext()).toMatchObject({ traceId: callTraceId(CALL), spanId: callSpanId(CALL) });
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes).toMatchObject({
      'audexly.call_id': CALL,
      'audexly.stream_sid': 'stream-1',
      'audexly.agent_id': 'agent-1',
    });
    const t = byName.get('turn')!;
    expect(t.spanContext()).toMatchObject({ traceId: callTraceId(CALL), spanId: turnSpanId(CALL, 1) });
    expect(t.parentSpanContext?.spanId).toBe(callSpanId(CALL));
    expect(t.attributes['audexly.turn']).toBe(1);
    const llm = byName.get('llm.turn')!;
    expect(llm.parentSpanContext?.spanId).toBe(turnSpanId(CALL, 1));
    expect(llm.spanContext().traceId).toBe(callTraceId(CALL));
    // Not a forced id: stage spans get random ones.
    expect(byName.get('stt.utterance')!.spanContext().spanId).not.toBe(llm.spanContext().spanId);
    expect([callSpanId(CALL), turnSpanId(CALL, 1)]).not.toContain(llm.spanContext().spanId);
  });

  it('keeps work already inside the call trace where it is; moves anything else under the turn or call span', () => {
    const span = startCallStageSpan('llm.turn', CALL, 2);
    const inside = withSpan(span, () => inCallTrace(CALL, context.active(), 2));
    expect(trace.getSpanContext(inside)?.spanId).toBe(span.spanContext().spanId);
    span.end();
    expect(trace.getSpanContext(inCallTrace(CALL, ROOT_CONTEXT, 2))?.spanId).toBe(turnSpanId(CALL, 2));
    expect(trace.getSpanContext(inCallTrace(CALL, ROOT_CONTEXT))?.spanId).toBe(callSpanId(CALL));
    // A context of another trace (another call, an HTTP request) is not followed.
    const other = trace.setSpanContext(ROOT_CONTEXT, { ...callContextOf('other'), isRemote: true });
    expect(trace.getSpanContext(inCallTrace(CALL, other))?.traceId).toBe(callTraceId(CALL));
  });

  it("binds the call's trace id to its logger and adds the active span's ids to each line", () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger({ service: 'test', destination }).child(callLogBindings(CALL));
    log.info('outside a span');
    const span = startCallStageSpan('tts.segment', CALL, 1);
    withSpan(span, () => log.info('inside a span'));
    span.end();
    expect(lines[0]).toMatchObject({ callId: CALL, trace_id: callTraceId(CALL) });
    expect(lines[0]).not.toHaveProperty('span_id');
    expect(lines[1]).toMatchObject({ trace_id: callTraceId(CALL), span_id: span.spanContext().spanId });
    const plain = createLogger({ service: 'test', destination });
    withSpan(span, () => plain.info('no call bound'));
    expect(lines[2]).toMatchObject({ trace_id: callTraceId(CALL), span_id: span.spanContext().spanId });
  });
});

function callContextOf(callId: string) {
  return { traceId: callTraceId(callId), spanId: callSpanId(callId), traceFlags: 1 };
}
