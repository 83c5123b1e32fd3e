/**
 * Property-based fuzzing (fast-check) of the Exotel parser and of the connection handler over a
 * real WebSocket: random and mutated frames never throw out of either, never leak sessions or
 * grow memory without bound, and never disturb a concurrent call. The inputs are seeded
 * (vitest.setup.ts, `FC_SEED`): every run tries the same frames, and a failure prints its seed.
 */
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sineTone } from '@audexly/audio';
import { STAGES, subjects, type Stage } from '@audexly/protocol';
import { ClaimServer, connectBus, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { parseExotelFrame } from './exotel/protocol.js';
import { CONNECTED, DTMF, MARK, MEDIA, NEGATIVE, START, STOP } from './exotel/test/fixtures.js';
import { startGateway, type RunningGateway } from './service.js';
import { BusRecorder } from './test/bus-recorder.js';
import { ExotelTestClient } from './test/exotel-client.js';

const FIXTURES = [...CONNECTED, ...START, ...MEDIA, ...DTMF, ...MARK, ...STOP, ...NEGATIVE];
const EVENTS = ['connected', 'start', 'media', 'dtmf', 'mark', 'stop', 'clear', 'teleport', ''];

/** Any JSON-ish value, including the awkward ones (huge numbers, nested junk, wrong types). */
const junk = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.constant('8000Hz'),
  fc.base64String(),
  fc.array(fc.string()),
);

/** A frame shaped like Exotel's, with random values in the known keys. */
const shapedFrame = fc
  .record(
    {
      event: fc.constantFrom(...EVENTS),
      sequence_number: junk,
      stream_sid: junk,
      streamSid: junk,
      start: fc.oneof(
        junk,
        fc.record(
          {
            stream_sid: junk,
            call_sid: junk,
            callSid: junk,
            from: junk,
            to: junk,
            custom_parameters: junk,
            media_format: fc.oneof(junk, fc.record({ sample_rate: junk, encoding: junk })),
          },
          { requiredKeys: [] },
        ),
      ),
      media: fc.oneof(
        junk,
        fc.record(
          { payload: fc.oneof(junk, fc.base64String({ maxLength: 4000 })), chunk: junk, timestamp: junk, track: junk },
          { requiredKeys: [] },
        ),
      ),
      dtmf: fc.oneof(
        junk,
        fc.record(
          { digit: fc.oneof(junk, fc.constantFrom('0', '5', '#', '*', 'A')), duration: junk },
          { requiredKeys: [] },
        ),
      ),
      digit: junk,
      mark: fc.oneof(junk, fc.record({ name: junk }, { requiredKeys: [] })),
      stop: fc.oneof(junk, fc.record({ reason: junk, call_sid: junk }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));

/** A §11 fixture with a random edit: truncation, an inserted or replaced character, a value swapped. */
const mutatedFixture = fc
  .tuple(
    fc.constantFrom(...FIXTURES),
    fc.nat(),
    fc.string({ maxLength: 8 }),
    fc.constantFrom('truncate', 'insert', 'replace', 'retype'),
  )
  .map(([line, at, text, how]) => {
    const i = at % (line.length + 1);
    switch (how) {
      case 'truncate':
        return line.slice(0, i);
      case 'insert':
        return line.slice(0, i) + text + line.slice(i);
      case 'replace':
        return line.slice(0, i) + text + line.slice(i + text.length);
      case 'retype':
        // Turn every string value into a number or an object, a classic of "tolerant" parsers.
        return line.replace(/"([^"]*)"(?=[,}])/g, (_m, v: string) => (v.length % 2 ? '{}' : String(v.length)));
    }
  });

const anyFrame = fc.oneof(fc.string({ maxLength: 300 }), shapedFrame, mutatedFixture, fc.constantFrom(...FIXTURES));

describe('parser fuzzing', () => {
  it('never throws and always answers ok/frame or a typed error, for random, shaped and mutated frames', () => {
    fc.assert(
      fc.property(anyFrame, (text) => {
        const result = parseExotelFrame(text);
        if (result.ok)
          expect(['connected', 'start', 'media', 'dtmf', 'mark', 'stop', 'unknown']).toContain(result.frame.event);
        else expect(typeof result.error.code).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });
});

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const silent = createLogger({ service: 'gateway-fuzz-test', level: 'silent' });
const prefix = `test.gwfuzz.${randomUUID()}`;
const subjectFor = (stage: Stage) => `${prefix}.${stage}`;
let bus: Bus;
let stages: ClaimServer[];
let gateway: RunningGateway;

beforeAll(async () => {
  bus = await connectBus({ servers: NATS_URL, name: 'gateway-fuzz-test', log: silent });
  stages = STAGES.map(
    (stage) =>
      new ClaimServer(bus, {
        stage,
        instanceId: `fuzz-${stage}`,
        maxCalls: 500,
        subject: subjectFor(stage),
        onClaim: () => Promise.resolve(),
      }),
  );
  await Promise.all(stages.map((s) => s.start()));
  // A high message budget, so fuzzed connections reach the handler instead of the rate limit.
  gateway = await startGateway(
    {
      NATS_URL,
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      MAX_MESSAGES_PER_S: '100000',
      DRAIN_TIMEOUT_MS: '200',
    },
    silent,
    { claimSubject: subjectFor, noCapacityAudio: null },
  );
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all((stages ?? []).map((s) => s.stop()));
  await bus?.drain();
});

function collectGarbage(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

describe('connection handler fuzzing over a real WebSocket', () => {
  it('random and mutated frames never break the handler, never leak sessions or memory, and never disturb a concurrent call', async () => {
    const url = `ws://127.0.0.1:${gateway.port}/api/v1/telephony/exotel/stream`;
    // The bystander: a proper call streaming 100 ms frames the whole time.
    const bystander = await ExotelTestClient.connect(url);
    const rec = new BusRecorder(bus, bystander.callSid);
    await rec.start(['lifecycle'], [subjects.audioIn(bystander.callSid)]);
    bystander.start();
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'bystander started');
    const frame = sineTone(300, 100, 8000);
    let sent = 0;
    const streaming = setInterval(() => {
      bystander.media(frame);
      sent++;
    }, 20);

    const gc = collectGarbage();
    const session = async (frames: string[], startFirst: boolean, closeHow: 'close' | 'terminate' | 'stop') => {
      const client = await ExotelTestClient.connect(url, { echoMarks: false });
      if (startFirst) client.start({ sampleRate: 16000 });
      for (const f of frames) client.send(f);
      if (closeHow === 'stop') client.stop();
      if (closeHow === 'terminate') client.ws.terminate();
      else client.ws.close(1000);
    };
    const property = fc.asyncProperty(
      fc.array(anyFrame, { maxLength: 40 }),
      fc.boolean(),
      fc.constantFrom('close' as const, 'terminate' as const, 'stop' as const),
      session,
    );

    // Warm up (JIT, pools), then measure the heap across the main run.
    await fc.assert(property, { numRuns: 20 });
    await waitFor(() => gateway.activeCalls === 1, 5000);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    await fc.assert(property, { numRuns: 150 });
    await waitFor(() => gateway.activeCalls === 1, 5000);
    gc();
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;

    clearInterval(streaming);
    // Every bystander frame arrived, in order, and its call is still up.
    const audioIn = rec.audio.get(subjects.audioIn(bystander.callSid))!;
    await rec.until(() => audioIn.length === sent, 5000, 'all bystander frames');
    audioIn.forEach((a, i) => expect(a.headers['Audexly-Seq']).toBe(i));
    expect(bystander.closed).toBeUndefined();
    expect(rec.of('call.ended')).toHaveLength(0);
    // No session outlives its socket, and 150 hostile connections leave no lasting heap growth.
    expect(gateway.activeCalls).toBe(1);
    expect(growthMb).toBeLessThan(20);
    const health = await fetch(`http://127.0.0.1:${gateway.port}/api/v1/health`);
    expect(health.status).toBe(200);
    bystander.stop();
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'bystander ended');
    rec.stop();
  }, 60_000);
});

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
