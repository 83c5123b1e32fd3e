import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type AnyEvent } from '@audexly/protocol';
import { connectBus, readCallEvents, type Bus } from '@audexly/bus';
import { simulateCall } from '@audexly/simulator';
import { createLogger } from '@audexly/telemetry';
import { startFakeOpenAI, startFakeSarvam, speechFixture, type FakeOpenAI, type FakeSarvam } from '@audexly/testing';
import { startApi } from '@audexly/api';
import { startGateway } from '@audexly/gateway';
import { ExotelTestClient } from '@audexly/gateway/testing';
import { ROOT, StageCluster } from '../../bench/src/stage-cluster.js';
import { waitForRecord } from './test/call-records.js';

/**
 * Bad input and a lost gateway must not cost capacity or records. One instance of each stage as a
 * process (the built services) with `CALL_CHECK_MS=500`, the api in this process, the fakes; and:
 * - a caller whose `sequence_number`s are absurd (the reported attack), through a gateway in this
 *   process: `call.ended` is published, every stage frees the call at once, the record is written;
 * - a gateway process killed (SIGKILL, so no `call.ended`) mid-call: every stage finds out within
 *   two call checks that no gateway holds the call, ends it with an error event, frees it, and the
 *   recorder writes a record that ends for real (`failed`, reason `error`).
 */
const log = createLogger({ service: 'call-ending-test', level: 'silent' });
const run = randomUUID().slice(0, 8);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const CALL_CHECK_MS = 500;

let sarvam: FakeSarvam;
let openai: FakeOpenAI;
let bus: Bus;
let cluster: StageCluster | undefined;
let stops: (() => Promise<void>)[] = [];
let env: Record<string, string> = {};
let gatewayUrl = '';
let apiUrl = '';

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  sarvam = await startFakeSarvam({ apiKey: 'ce-sarvam', transcripts: ['Go forward ten meters.'] });
  openai = await startFakeOpenAI({ apiKey: 'ce-openai', reply: () => 'Sure.' });
  env = {
    NATS_URL,
    SARVAM_API_KEY: 'ce-sarvam',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'ce-openai',
    OPENAI_BASE_URL: openai.url,
    CLAIM_SUBJECT_PREFIX: `ending.${run}`,
    AGENT_GREETING: 'Hello, how can I help?',
    CALL_CHECK_MS: String(CALL_CHECK_MS),
    // The recorder waits this long for a call.ended that a dead gateway never logs.
    EVENT_LOG_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'warn',
  };
  bus = await connectBus({ servers: NATS_URL, name: 'call-ending-test', log });
  cluster = await StageCluster.start({
    bus,
    env,
    stages: STAGES,
    perStage: 1,
    idPrefix: `ce${run}`,
    readyTimeoutMs: 60_000,
  });
  const api = await startApi({ ...env, API_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'silent' }, log);
  const gateway = await startGateway(
    { ...env, GATEWAY_PORT: '0', GATEWAY_HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    log,
  );
  stops = [() => gateway.stop(), () => api.stop(), () => cluster?.stop() ?? Promise.resolve()];
  gatewayUrl = `ws://127.0.0.1:${gateway.port}/api/v1/telephony/exotel/stream`;
  apiUrl = `http://127.0.0.1:${api.port}`;
}, 90_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await bus?.drain();
  await Promise.all([sarvam?.close(), openai?.close()]);
});

describe('absurd sequence numbers from Exotel', () => {
  it('cost nothing: call.ended goes out, every stage frees the call at once, and the record is written', async () => {
    const c = cluster!;
    const client = await ExotelTestClient.connect(gatewayUrl);
    const callId = client.callSid;
    const lifecycle = collect(callId, 'lifecycle');
    client.start();
    await Promise.all(STAGES.map((stage) => c.waitForHolder(callId, stage)));
    const tone = Buffer.alloc(1600).toString('base64');
    for (const sequence of [9007199254740990, '9007199254740999']) {
      client.send({
        event: 'media',
        sequence_number: sequence,
        stream_sid: client.streamSid,
        media: { chunk: '1', timestamp: '100', payload: tone },
      });
    }
    client.stop();
    const ended = await waitFor(() => lifecycle.events.find((e) => e.type === 'call.ended'), 5000, 'call.ended');
    const endedAt = Date.now();
    await waitFor(() => (c.heldCalls().includes(callId) ? undefined : true), 15_000, 'every stage to free the call');
    const freedMs = Date.now() - endedAt;
    lifecycle.stop();
    console.log(`sequence-number attack: every stage freed the call ${freedMs} ms after call.ended`);

    expect(ended).toMatchObject({ reason: 'caller-hangup', lostFrames: 0, sequenceAnomalies: 2 });
    const record = await waitForRecord(apiUrl, callId);
    expect(record).toMatchObject({ status: 'completed', endReason: 'caller-hangup', lostFrames: 0 });
  }, 40_000);
});

describe('a gateway killed mid-call', () => {
  it('leaves no stage holding the call: each ends it within two call checks, and the record ends for real', async () => {
    const c = cluster!;
    const gateway = await startGatewayProcess();
    let killedAt = 0;
    try {
      const known = new Set(c.heldCalls());
      const callPromise = simulateCall({
        url: gateway.url,
        audio: [speechFixture('goforward', 8000), speechFixture('numbers', 8000)],
        sampleRate: 8000,
      });
      const callId = await waitFor(() => c.heldCalls().find((id) => !known.has(id)), 15_000, 'the call to be claimed');
      await Promise.all(STAGES.map((stage) => c.waitForHolder(callId, stage)));
      const errors = collect(callId, 'error');
      killedAt = Date.now();
      gateway.child.kill('SIGKILL');
      await callPromise;

      // Each stage ends the call with an error event once no gateway answers for it…
      await waitFor(
        () =>
          errors.events.filter((e) => e.type === 'error' && e.code === 'AUDEXLY_ERR_GATEWAY_LOST').length >=
          STAGES.length
            ? true
            : undefined,
        10_000,
        'every stage to end the call',
      );
      const endedMs = Date.now() - killedAt;
      // …and frees it once its work is done (the recorder writes the record first).
      await waitFor(() => (c.heldCalls().includes(callId) ? undefined : true), 15_000, 'every stage to free the call');
      const freedMs = Date.now() - killedAt;
      errors.stop();
      console.log(
        `gateway killed: every stage ended the call ${endedMs} ms and freed it ${freedMs} ms after the kill (bound: 2 × ${CALL_CHECK_MS} ms + one request)`,
      );

      expect(new Set(errors.events.map((e) => (e.type === 'error' ? e.stage : '')))).toEqual(new Set(STAGES));
      expect(endedMs).toBeLessThan(2 * CALL_CHECK_MS + 2000);
      const events = await readCallEvents(bus, callId);
      expect(events.some((e) => e.type === 'call.ended')).toBe(false); // the gateway never said
      const record = await waitForRecord(apiUrl, callId);
      expect(record).toMatchObject({ status: 'failed', endReason: 'error' });
      expect(record.endDetail).toContain('no gateway holds this call');
    } catch (err) {
      console.error(c.output(), gateway.output.join('\n'));
      throw err;
    } finally {
      if (killedAt === 0) gateway.child.kill('SIGKILL');
    }
  }, 60_000);
});

/** A call's events of one family as they come. */
function collect(callId: string, family: 'lifecycle' | 'error'): { events: AnyEvent[]; stop(): void } {
  const sub = bus.subscribeEvents(callId, family);
  const events: AnyEvent[] = [];
  void (async () => {
    for await (const { event } of sub) events.push(event);
  })();
  return { events, stop: () => sub.unsubscribe() };
}

/** The built gateway as a process of its own (so it can be killed), on a free port. */
async function startGatewayProcess(): Promise<{ child: ChildProcess; url: string; output: string[] }> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [join(ROOT, 'services/gateway/dist/main.js')], {
    cwd: ROOT,
    env: { ...env, GATEWAY_PORT: String(port), GATEWAY_HOST: '127.0.0.1', INSTANCE_ID: `ce${run}-gateway` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) =>
      output.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l.length > 0),
      ),
    );
  const health = `http://127.0.0.1:${port}/api/v1/health`;
  await waitFor(
    async () => ((await fetch(health).catch(() => undefined))?.ok ? true : undefined),
    60_000,
    'the gateway process to be ready',
  );
  return { child, url: `ws://127.0.0.1:${port}/api/v1/telephony/exotel/stream`, output };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(
  get: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
