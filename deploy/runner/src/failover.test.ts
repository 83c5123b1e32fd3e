import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRecordSchema, delay, type AnyEvent, type Stage } from '@audexly/protocol';
import { connectBus, readCallEvents, type Bus } from '@audexly/bus';
import { simulateCall } from '@audexly/simulator';
import { createLogger } from '@audexly/telemetry';
import { startFakeOpenAI, startFakeSarvam, speechFixture, type FakeOpenAI, type FakeSarvam } from '@audexly/testing';
import { startApi } from '@audexly/api';
import { startGateway } from '@audexly/gateway';
import { ROOT, StageCluster } from '../../bench/src/stage-cluster.js';
import { nonSpeculatingAgentFile } from './test/test-agents.js';

/**
 * Failover end to end: two instances of each stage as separate processes (the built services),
 * the gateway and the api in this process, the fake Sarvam and OpenAI servers, a simulated caller
 * with two turns. After the first answer has been heard, the instance holding one of the call's
 * stages is killed with SIGKILL; the call must carry on: the second turn transcribed, answered and
 * spoken, and the record showing both turns.
 */
const log = createLogger({ service: 'failover-test', level: 'silent' });
const run = randomUUID().slice(0, 8);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const FIRST = 'Go forward ten meters.';
const SECOND = 'My number is thirty three ninety two.';

let sarvam: FakeSarvam;
let openai: FakeOpenAI;
let bus: Bus;
let cluster: StageCluster | undefined;
let stops: (() => Promise<void>)[] = [];
let gatewayUrl = '';
let apiUrl = '';

beforeAll(async () => {
  // The stages run from dist/: bring it up to date (incremental, quick when nothing changed).
  execFileSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  // The longer recording is the second caller turn.
  sarvam = await startFakeSarvam({
    apiKey: 'fo-sarvam',
    transcripts: (audio, rate) => (audio.length / 2 / rate > 3.4 ? SECOND : FIRST),
  });
  // Short answers and greeting keep the calls short.
  openai = await startFakeOpenAI({ apiKey: 'fo-openai', reply: (messages) => `You said: ${lastUserText(messages)}` });
  const env = {
    NATS_URL,
    SARVAM_API_KEY: 'fo-sarvam',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'fo-openai',
    OPENAI_BASE_URL: openai.url,
    CLAIM_SUBJECT_PREFIX: `failover.${run}`,
    AGENT_FILE: nonSpeculatingAgentFile(),
    LOG_LEVEL: 'warn',
  };
  bus = await connectBus({ servers: NATS_URL, name: 'failover-test', log });
  cluster = await StageCluster.start({
    bus,
    env,
    stages: ['stt', 'llm', 'tts', 'recorder'],
    perStage: 2,
    idPrefix: `fo${run}`,
  });
  const api = await startApi({ ...env, API_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'silent' }, log);
  const gateway = await startGateway(
    { ...env, GATEWAY_PORT: '0', LOG_LEVEL: 'silent' },
    process.env.FAILOVER_TEST_LOGS ? createLogger({ service: 'gateway', level: 'info' }) : log,
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

describe('a stage instance killed mid-call', () => {
  it.each<Stage>(['llm', 'tts', 'stt'])(
    'when the %s instance holding the call is killed, the call carries on and both turns are answered',
    async (stage) => {
      const c = cluster!;
      const known = new Set(allCalls(c));
      const callPromise = simulateCall({
        url: gatewayUrl,
        audio: [speechFixture('goforward', 8000), speechFixture('numbers', 8000)],
        sampleRate: 8000,
        quietMs: 1000,
      });

      const callId = await waitFor(
        () => allCalls(c).find((id) => !known.has(id)),
        10_000,
        'the call to be claimed',
      ).catch((err: unknown) => {
        console.error(c.output());
        throw err;
      });
      const killed = await c.waitForHolder(callId, stage);
      // After the first answer has been heard in full, kill the instance holding the stage.
      await firstAnswerHeard(callId);
      await c.kill(killed);

      const call = await callPromise;
      try {
        expect(call.violations).toEqual([]);
        expect(call.turns.map((t) => t.answered)).toEqual([true, true]);
        expect(call.turns[1]!.agentAudioMs).toBeGreaterThan(1000);

        const events = await readCallEvents(bus, callId);
        const reassigned = events.filter((e) => e.type === 'control.reassigned');
        expect(reassigned).toHaveLength(1);
        expect(reassigned[0]).toMatchObject({ stage, previousInstanceId: killed });
        const owner = (reassigned[0] as Extract<AnyEvent, { type: 'control.reassigned' }>).instanceId;
        expect(owner).not.toBe(killed);
        expect(owner.startsWith(`fo${run}-${stage}-`)).toBe(true);

        // The second caller turn was transcribed and answered after the failover.
        const finals = events.filter((e) => e.type === 'speech.final');
        expect(finals.map((e) => e.utterance)).toEqual([1, 2]);
        const answers = events.filter(
          (e): e is Extract<AnyEvent, { type: 'reply.done' }> => e.type === 'reply.done' && e.turn === 2,
        );
        expect(answers.at(-1)?.text).toContain(SECOND);

        if (stage === 'llm') {
          // The new LLM instance rebuilt the conversation: the model saw the first turn too.
          const chat = openai.requests.filter(
            (r) => r.path.endsWith('/chat/completions') && JSON.stringify(r.body.messages).includes(SECOND),
          );
          expect(JSON.stringify(chat.at(-1)?.body.messages)).toContain(FIRST);
        }

        const record = await waitForRecord(callId);
        const callerLines = record.transcript.filter((l) => l.role === 'caller').map((l) => l.text);
        expect(callerLines).toEqual([FIRST, SECOND]);
        expect(record.transcript.filter((l) => l.role === 'agent').length).toBeGreaterThanOrEqual(3);
        expect(record.turns.map((t) => t.turn)).toEqual(expect.arrayContaining([1, 2]));
      } catch (err) {
        console.error(c.output());
        throw err;
      }
      // Each case kills another stage, so the next one still finds two instances of its stage.
    },
    60_000,
  );
});

function lastUserText(messages: readonly { role: string; content?: unknown }[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/** The calls our stage instances hold, per their heartbeats. */
function allCalls(c: StageCluster): string[] {
  return c.heldCalls();
}

/** Resolves once every segment of agent turn 1 has been played (its marks came back). */
async function firstAnswerHeard(callId: string): Promise<void> {
  const reply = bus.subscribeEvents(callId, 'reply');
  const playback = bus.subscribeEvents(callId, 'playback');
  let segments: number | null = null;
  const played = new Set<number>();
  const done = () => segments !== null && played.size >= segments;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        for await (const { event } of reply) {
          if (event.type === 'reply.done' && event.turn === 1) segments = event.segments;
          if (done()) return;
        }
      })(),
      (async () => {
        for await (const { event } of playback) {
          if (event.type === 'playback.segment-played' && event.turn === 1) played.add(event.segment);
          if (done()) return;
        }
      })(),
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error('the first answer was never heard')), 30_000)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
    reply.unsubscribe();
    playback.unsubscribe();
  }
}

async function waitFor<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

async function waitForRecord(callId: string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${apiUrl}/api/v1/calls/${callId}`);
    if (res.ok) return callRecordSchema.parse(await res.json());
    await delay(250);
  }
  throw new Error(`no call record for ${callId}`);
}
