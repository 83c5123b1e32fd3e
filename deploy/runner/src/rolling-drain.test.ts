import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type AnyEvent, type Stage } from '@audexly/protocol';
import { connectBus, readCallEvents, type Bus } from '@audexly/bus';
import { simulateCall } from '@audexly/simulator';
import { createLogger } from '@audexly/telemetry';
import { startFakeOpenAI, startFakeSarvam, speechFixture, type FakeOpenAI, type FakeSarvam } from '@audexly/testing';
import { startApi } from '@audexly/api';
import { startGateway } from '@audexly/gateway';
import { ROOT, StageCluster } from '../../bench/src/stage-cluster.js';
import { waitForRecord } from './test/call-records.js';
import { nonSpeculatingAgentFile } from './test/test-agents.js';

/**
 * A rolling restart where every drain runs out: two instances of each stage as processes (the
 * built services) with `DRAIN_TIMEOUT_MS=1000`, the gateway and the api in this process, the fake
 * Sarvam and OpenAI, a simulated caller with three turns. After the first answer has been heard,
 * the instances holding all four stages of the call get SIGTERM together, and each is replaced by a
 * fresh instance once it is gone; after the second answer, the (new) holders again. Each drain's deadline
 * passes mid-call, so each instance must release the call (`control.released`), the gateway must
 * re-claim it at once elsewhere, and the process must exit at its deadline — and the caller must
 * not notice: every turn answered, the record complete with a real status and reason.
 */
const log = createLogger({ service: 'rolling-drain-test', level: 'silent' });
const run = randomUUID().slice(0, 8);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DRAIN_TIMEOUT_MS = 1000;
/** What a drained process may take past its deadline to exit (flushing, closing NATS and its ops server). */
const EXIT_MARGIN_MS = 1500;
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
  sarvam = await startFakeSarvam({
    apiKey: 'rd-sarvam',
    transcripts: (audio, rate) => (audio.length / 2 / rate > 3.4 ? SECOND : FIRST),
  });
  openai = await startFakeOpenAI({ apiKey: 'rd-openai', reply: (messages) => `You said: ${lastUserText(messages)}` });
  const env = {
    NATS_URL,
    SARVAM_API_KEY: 'rd-sarvam',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'rd-openai',
    OPENAI_BASE_URL: openai.url,
    CLAIM_SUBJECT_PREFIX: `drain.${run}`,
    AGENT_FILE: nonSpeculatingAgentFile(),
    DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
    LOG_LEVEL: 'warn',
  };
  bus = await connectBus({ servers: NATS_URL, name: 'rolling-drain-test', log });
  cluster = await StageCluster.start({
    bus,
    env,
    stages: STAGES,
    perStage: 2,
    idPrefix: `rd${run}`,
    readyTimeoutMs: 60_000,
  });
  const api = await startApi({ ...env, API_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'silent' }, log);
  const gateway = await startGateway(
    { ...env, GATEWAY_PORT: '0', LOG_LEVEL: 'silent' },
    process.env.DRAIN_TEST_LOGS ? createLogger({ service: 'gateway', level: 'info' }) : log,
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

interface Drained {
  wave: number;
  stage: Stage;
  instanceId: string;
  exitMs: number;
  code: number | null;
}

describe('a rolling restart where every drain runs out mid-call', () => {
  it('hands every stage of the call over at each deadline: no turn lost, a complete record, each process gone at its deadline', async () => {
    const c = cluster!;
    const known = new Set(c.heldCalls());
    const callPromise = simulateCall({
      url: gatewayUrl,
      audio: [speechFixture('goforward', 8000), speechFixture('numbers', 8000), speechFixture('goforward', 8000)],
      sampleRate: 8000,
      quietMs: 2000,
    });
    const callId = await waitFor(() => c.heldCalls().find((id) => !known.has(id)), 10_000, 'the call to be claimed');
    const handovers = watchHandovers(callId);
    const drained: Drained[] = [];
    const replacements: Promise<unknown>[] = [];
    const addFailures: unknown[] = [];
    try {
      for (const wave of [1, 2]) {
        await answerHeard(callId, wave);
        const holders = await Promise.all(
          STAGES.map(async (stage) => ({ stage, instanceId: await c.waitForHolder(callId, stage) })),
        );
        // Rolling restart: every holder is told to stop (the other instance of its stage takes the
        // call over at the deadline), and once it is gone a fresh instance of its stage replaces it.
        await Promise.all(
          holders.map(async ({ stage, instanceId }) => {
            const { signalledAt, exitedAt, code } = await c.drain(instanceId);
            drained.push({ wave, stage, instanceId, exitMs: exitedAt - signalledAt, code });
            replacements.push(c.add(stage).catch((err: unknown) => addFailures.push(err)));
          }),
        );
      }
      const call = await callPromise;
      await Promise.all(replacements);
      expect(addFailures).toEqual([]);

      const events = await readCallEvents(bus, callId, { until: 'call.ended' });
      const released = events.filter(
        (e): e is Extract<AnyEvent, { type: 'control.released' }> => e.type === 'control.released',
      );
      const reassigned = events.filter(
        (e): e is Extract<AnyEvent, { type: 'control.reassigned' }> => e.type === 'control.reassigned',
      );
      console.log(
        `rolling drain: exit after SIGTERM ${drained.map((d) => `${d.wave}/${d.stage} ${d.exitMs} ms`).join(', ')} (deadline ${DRAIN_TIMEOUT_MS} ms); ` +
          `handover (control.released → control.reassigned seen) ${handovers.delays().join(', ')} ms; turns answered ${call.turns.map((t) => t.answered).join(',')}`,
      );

      // Each drained process exited at its deadline, cleanly.
      expect(drained).toHaveLength(8);
      for (const d of drained) {
        expect(d.code).toBe(0);
        expect(d.exitMs).toBeGreaterThanOrEqual(DRAIN_TIMEOUT_MS);
        expect(d.exitMs).toBeLessThan(DRAIN_TIMEOUT_MS + EXIT_MARGIN_MS);
      }
      // Each released its call explicitly, and the gateway moved it to another instance.
      expect(released.map((e) => `${e.stage}:${e.instanceId}`).sort()).toEqual(
        drained.map((d) => `${d.stage}:${d.instanceId}`).sort(),
      );
      expect(reassigned).toHaveLength(8);
      for (const r of released)
        expect(
          reassigned.find((a) => a.stage === r.stage && a.previousInstanceId === r.instanceId)?.instanceId,
        ).not.toBe(r.instanceId);

      // The caller noticed nothing: every turn transcribed and answered aloud.
      expect(call.violations).toEqual([]);
      expect(call.turns.map((t) => t.answered)).toEqual([true, true, true]);
      expect(events.filter((e) => e.type === 'speech.final').map((e) => e.utterance)).toEqual([1, 2, 3]);
      const answers = [1, 2, 3].map(
        (turn) =>
          events
            .filter((e): e is Extract<AnyEvent, { type: 'reply.done' }> => e.type === 'reply.done' && e.turn === turn)
            .at(-1)?.text,
      );
      expect(answers).toEqual([`You said: ${FIRST}`, `You said: ${SECOND}`, `You said: ${FIRST}`]);

      // The record, written by a recorder that was not the first, is complete and ends for real.
      const record = await waitForRecord(apiUrl, callId);
      expect(record).toMatchObject({ status: 'completed', endReason: 'caller-hangup' });
      expect(record.transcript.filter((l) => l.role === 'caller').map((l) => l.text)).toEqual([FIRST, SECOND, FIRST]);
      expect(record.turns.map((t) => t.turn)).toEqual(expect.arrayContaining([0, 1, 2, 3]));
      expect(record.recording).not.toBeNull();
    } catch (err) {
      console.error(c.output());
      for (const d of drained) console.error(`--- drained ${d.instanceId}\n${c.outputOf(d.instanceId).join('\n')}`);
      throw err;
    } finally {
      handovers.stop();
    }
  }, 80_000);
});

function lastUserText(messages: readonly { role: string; content?: unknown }[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/** When each `control.released` and the `control.reassigned` that answered it reached this process. */
function watchHandovers(callId: string): { delays(): number[]; stop(): void } {
  const control = bus.subscribeEvents(callId, 'control');
  const releasedAt = new Map<string, number>();
  const delays: number[] = [];
  void (async () => {
    for await (const { event } of control) {
      if (event.type === 'control.released') releasedAt.set(`${event.stage}:${event.instanceId}`, Date.now());
      if (event.type === 'control.reassigned') {
        const at = releasedAt.get(`${event.stage}:${event.previousInstanceId}`);
        if (at !== undefined) delays.push(Date.now() - at);
      }
    }
  })();
  return { delays: () => delays, stop: () => control.unsubscribe() };
}

/** Resolves once every segment of agent turn `turn` has been played (its marks came back). */
async function answerHeard(callId: string, turn: number): Promise<void> {
  const reply = bus.subscribeEvents(callId, 'reply');
  const playback = bus.subscribeEvents(callId, 'playback');
  // Events of the turn may already be in the log: start from there.
  const logged = await readCallEvents(bus, callId);
  let segments: number | null = null;
  const played = new Set<number>();
  const note = (event: AnyEvent) => {
    if (event.type === 'reply.done' && event.turn === turn) segments = event.segments;
    if (event.type === 'playback.segment-played' && event.turn === turn) played.add(event.segment);
  };
  for (const event of logged) note(event);
  const done = () => segments !== null && played.size >= segments;
  let timer: NodeJS.Timeout | undefined;
  try {
    if (done()) return;
    await Promise.race([
      (async () => {
        for await (const { event } of reply) {
          note(event);
          if (done()) return;
        }
      })(),
      (async () => {
        for await (const { event } of playback) {
          note(event);
          if (done()) return;
        }
      })(),
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`answer ${turn} was never heard`)), 30_000)),
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
    await new Promise((r) => setTimeout(r, 25));
  }
}
