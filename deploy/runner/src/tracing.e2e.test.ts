import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delay } from '@audexly/protocol';
import { connectBus, type Bus } from '@audexly/bus';
import { simulateCall } from '@audexly/simulator';
import { callSpanId, callTraceId, createLogger, flushTracing, turnSpanId } from '@audexly/telemetry';
import { startFakeOpenAI, startFakeSarvam, speechFixture, type FakeOpenAI, type FakeSarvam } from '@audexly/testing';
import { startApi } from '@audexly/api';
import { startGateway } from '@audexly/gateway';
import { ROOT, StageCluster } from '../../bench/src/stage-cluster.js';
import { waitForRecord } from './test/call-records.js';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './test/otlp-receiver.js';

/**
 * One call = one trace, as Jaeger would receive it: a local OTLP/HTTP receiver gets the spans of
 * the gateway (in this process) and of two instances of each stage (child processes, each with its
 * own `service.name`), for a simulated two-turn call; then for a call whose LLM instance is killed
 * after the first answer.
 */
const log = createLogger({ service: 'tracing-test', level: 'silent' });
const run = randomUUID().slice(0, 8);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const FIRST = 'Go forward ten meters.';
const SECOND = 'My number is thirty three ninety two.';
/** A 16-or-more hex-digit run or a UUID in a span name would be an id. */
const ID_IN_NAME = /[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-/i;

let receiver: OtlpReceiver;
let sarvam: FakeSarvam;
let openai: FakeOpenAI;
let bus: Bus;
let cluster: StageCluster | undefined;
let stops: (() => Promise<void>)[] = [];
let gatewayUrl = '';
let apiUrl = '';

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  receiver = await startOtlpReceiver();
  sarvam = await startFakeSarvam({
    apiKey: 'tr-sarvam',
    transcripts: (audio, rate) => (audio.length / 2 / rate > 3.4 ? SECOND : FIRST),
  });
  openai = await startFakeOpenAI({ apiKey: 'tr-openai', reply: () => 'Sure. I will do that right away.' });
  const env = {
    NATS_URL,
    SARVAM_API_KEY: 'tr-sarvam',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'tr-openai',
    OPENAI_BASE_URL: openai.url,
    CLAIM_SUBJECT_PREFIX: `tracing.${run}`,
    AGENT_GREETING: 'Hello, how can I help?',
    LOG_LEVEL: 'warn',
  };
  const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' };
  bus = await connectBus({ servers: NATS_URL, name: 'tracing-test', log });
  cluster = await StageCluster.start({
    bus,
    env: { ...env, ...traced },
    stages: ['stt', 'llm', 'tts', 'recorder'],
    perStage: 2,
    idPrefix: `tr${run}`,
  });
  const api = await startApi({ ...env, API_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'silent' }, log);
  const gateway = await startGateway({ ...env, ...traced, GATEWAY_PORT: '0', LOG_LEVEL: 'silent' }, log);
  stops = [() => gateway.stop(), () => api.stop(), () => cluster?.stop() ?? Promise.resolve()];
  gatewayUrl = `ws://127.0.0.1:${gateway.port}/api/v1/telephony/exotel/stream`;
  apiUrl = `http://127.0.0.1:${api.port}`;
}, 120_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await bus?.drain();
  await Promise.all([sarvam?.close(), openai?.close(), receiver?.close()]);
});

/** The spans of the call: those in its trace, and any other that names it. */
function callSpans(callId: string): ReceivedSpan[] {
  const traceId = callTraceId(callId);
  return receiver.spans.filter((s) => s.traceId === traceId || s.attributes['audexly.call_id'] === callId);
}

/** Waits until the call's trace holds its root and `want` (the exporters batch every 200 ms). */
async function waitForTrace(callId: string, want: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await flushTracing();
    const spans = callSpans(callId);
    if (want(spans) || Date.now() > deadline) return spans;
    await delay(250);
  }
}

const childrenOf = (spans: ReceivedSpan[], parent: string) => spans.filter((s) => s.parentSpanId === parent);

function describeTree(spans: ReceivedSpan[]): string {
  return spans
    .map((s) => `${s.service} ${s.name} ${s.spanId}←${s.parentSpanId || 'root'} turn=${s.attributes['audexly.turn']}`)
    .join('\n');
}

function expectOneTrace(callId: string, spans: ReceivedSpan[]): void {
  const traceId = callTraceId(callId);
  expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
  const roots = spans.filter((s) => s.parentSpanId === '');
  expect(roots.map((s) => `${s.service}:${s.name}`)).toEqual(['audexly-gateway:call']);
  expect(roots[0]!.spanId).toBe(callSpanId(callId));
  for (const s of spans) {
    expect(s.name, `span name ${s.name}`).not.toMatch(ID_IN_NAME);
    expect(s.name).not.toContain(callId);
  }
}

describe('a call in Jaeger', () => {
  it('is one trace: a root call span, a turn span per turn with stt, llm and tts beneath, provider requests beneath those', async () => {
    const call = await simulateCall({
      url: gatewayUrl,
      audio: [speechFixture('goforward', 8000), speechFixture('numbers', 8000)],
      sampleRate: 8000,
      quietMs: 1000,
    });
    const { callId } = call;
    expect(call.turns.map((t) => t.answered)).toEqual([true, true]);
    await waitForRecord(apiUrl, callId);
    const turnIds = [0, 1, 2].map((n) => turnSpanId(callId, n));
    const spans = await waitForTrace(
      callId,
      (all) =>
        all.some((s) => s.name === 'call') &&
        all.some((s) => s.name === 'recording.assemble') &&
        turnIds.every((id) => all.some((s) => s.spanId === id)) &&
        [1, 2].every((n) =>
          ['stt.utterance', 'llm.turn', 'tts.segment'].every((name) =>
            all.some((s) => s.name === name && s.attributes['audexly.turn'] === n),
          ),
        ),
    );
    if (process.env.TRACE_TREE) console.log(describeTree(spans));
    try {
      expectOneTrace(callId, spans);
      const root = spans.find((s) => s.name === 'call')!;
      expect(root.attributes['audexly.stream_sid']).toBe(call.streamSid);
      expect(new Set(spans.map((s) => s.service))).toEqual(
        new Set(['audexly-gateway', 'audexly-stt', 'audexly-llm', 'audexly-tts', 'audexly-recorder']),
      );
      // Every parent is in the trace: the tree is whole.
      const ids = new Set(spans.map((s) => s.spanId));
      expect(spans.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);

      const turns = spans.filter((s) => s.name === 'turn');
      expect(turns.map((t) => t.attributes['audexly.turn']).sort()).toEqual([0, 1, 2]);
      for (const turn of turns) {
        const n = turn.attributes['audexly.turn'] as number;
        expect(turn.spanId).toBe(turnSpanId(callId, n));
        expect(turn.parentSpanId).toBe(root.spanId);
        expect(turn.startMs).toBeGreaterThanOrEqual(root.startMs);
        expect(turn.endMs).toBeLessThanOrEqual(root.endMs);
        const beneath = childrenOf(spans, turn.spanId);
        const names = new Set(beneath.map((s) => s.name));
        expect(names.has('tts.segment'), `turn ${n}: ${[...names].join(', ')}`).toBe(true);
        expect(names.has('playback')).toBe(true);
        if (n === 0) continue; // the greeting: no caller speech, no model
        expect(names.has('stt.utterance'), `turn ${n}: ${[...names].join(', ')}`).toBe(true);
        expect(names.has('llm.turn'), `turn ${n}: ${[...names].join(', ')}`).toBe(true);
        // Provider requests beneath the stage spans, as CLIENT spans.
        const stt = beneath.find((s) => s.name === 'stt.utterance')!;
        expect(childrenOf(spans, stt.spanId).some((s) => s.kind === SPAN_KIND.client)).toBe(true);
        const llm = beneath.find((s) => s.name === 'llm.turn')!;
        expect(llm.service).toBe('audexly-llm');
        expect(llm.attributes['audexly.llm.first_token_ms']).toBeGreaterThanOrEqual(0);
        // The model request: beneath llm.turn, or (speculation, on by default) beneath the turn's
        // llm.speculation whose request the answer took over.
        const used = beneath.find(
          (s) => s.name === 'llm.speculation' && s.attributes['audexly.llm.speculation'] === 'used',
        );
        const openaiRequest = [llm, ...(used ? [used] : [])]
          .flatMap((parent) => childrenOf(spans, parent.spanId))
          .find((s) => s.kind === SPAN_KIND.client);
        expect(openaiRequest, 'the OpenAI request beneath llm.turn or its used llm.speculation').toBeDefined();
        expect(String(openaiRequest!.attributes['url.full'] ?? '')).toContain('/chat/completions');
        // The TTS request: beneath a tts.segment, or (its first sentence synthesised during the
        // speculation, on by default) beneath the turn's used tts.prepare.
        const tts = beneath.filter(
          (s) =>
            s.name === 'tts.segment' || (s.name === 'tts.prepare' && s.attributes['audexly.tts.prepared'] === 'used'),
        );
        expect(tts.some((seg) => childrenOf(spans, seg.spanId).some((s) => s.kind === SPAN_KIND.client))).toBe(true);
      }
      // The recording is assembled under the call span, after the call.
      expect(spans.find((s) => s.name === 'recording.assemble')?.parentSpanId).toBe(root.spanId);
      // No span per audio chunk: a call of a few seconds has a bounded number of spans.
      expect(spans.length).toBeLessThan(400);
    } catch (err) {
      console.error(describeTree(spans));
      throw err;
    }
  }, 90_000);

  it('stays one trace when the LLM instance holding the call is killed mid-call', async () => {
    const c = cluster!;
    const known = new Set(c.heldCalls());
    const callPromise = simulateCall({
      url: gatewayUrl,
      audio: [speechFixture('goforward', 8000), speechFixture('numbers', 8000)],
      sampleRate: 8000,
      quietMs: 1000,
    });
    let callId: string | undefined;
    const deadline = Date.now() + 10_000;
    while (!callId && Date.now() < deadline) {
      callId = c.heldCalls().find((id) => !known.has(id));
      if (!callId) await delay(25);
    }
    expect(callId).toBeDefined();
    const killed = await c.waitForHolder(callId!, 'llm');
    // Kill it once the first answer has been spoken (its llm.turn span exported: 200 ms batches).
    await waitForTrace(callId!, (all) => all.some((s) => s.name === 'llm.turn' && s.attributes['audexly.turn'] === 1));
    await c.kill(killed);
    const call = await callPromise;
    expect(call.turns.map((t) => t.answered)).toEqual([true, true]);
    await waitForRecord(apiUrl, callId!);
    const spans = await waitForTrace(
      callId!,
      (all) =>
        all.some((s) => s.name === 'call') &&
        all.some((s) => s.name === 'llm.turn' && s.attributes['audexly.turn'] === 2) &&
        all.some((s) => s.name === 'recording.assemble'),
    );
    try {
      expectOneTrace(callId!, spans);
      // Both LLM instances' turns hang under the turn spans of the one trace: turn 1 from the
      // killed instance, turn 2 from the one that took the call over.
      const llmTurns = spans.filter((s) => s.name === 'llm.turn');
      const instances: string[] = [];
      for (const n of [1, 2]) {
        const span = llmTurns.find((s) => s.attributes['audexly.turn'] === n);
        expect(span?.parentSpanId, `llm.turn ${n}`).toBe(turnSpanId(callId!, n));
        instances.push(span!.instance);
      }
      expect(instances[0]).toBe(killed);
      expect(instances[1]).not.toBe(killed);
      expect(instances[1]).toMatch(new RegExp(`^tr${run}-llm-`));
      expect(spans.filter((s) => s.name === 'turn').map((t) => t.attributes['audexly.turn'])).toEqual(
        expect.arrayContaining([0, 1, 2]),
      );
    } catch (err) {
      console.error(describeTree(spans));
      throw err;
    }
  }, 90_000);
});
