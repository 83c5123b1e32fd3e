#!/usr/bin/env node
/**
 * Failover: how long a call goes without its agent when a stage instance dies (SIGKILL) mid-call.
 *
 *   npx tsc -b deploy/bench/tsconfig.build.json
 *   node deploy/bench/dist/failover.js [--runs 5] [--stages llm,tts,stt] [--baseline 3]
 *
 * Method. Two instances of each stage run as child processes (the built services, `dist/main.js`)
 * on the real NATS with claim subjects unique to this run; the gateway runs in this process; fake
 * Sarvam and OpenAI with realistic latencies (STT 150 ms, LLM first token 350 ms, TTS first byte
 * 200 ms). A simulated Exotel caller speaks two turns of recorded speech. Where the instance is
 * killed (the instance holding the call's stage, from its heartbeats):
 * - llm, tts: at the caller's end of speech of turn 2 (`speech.stopped`), when the answer is due:
 *   the worst moment, the answer has to come from the new instance;
 * - stt: at the caller's start of speech of turn 2 (`speech.started`): the new instance hears the
 *   rest of the utterance.
 * Per run, from the call's event log: kill → re-claim answered (`control.reassigned`), last
 * heartbeat → re-claim answered, kill → the next agent audio sent to the caller (`playback.started`:
 * the gateway sends it at once, over loopback), and end of caller speech → next agent audio
 * (compare with the baseline runs, where nothing is killed). A replacement instance is started after
 * each kill, so every run has two instances of each stage. Medians over the runs.
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { delay, STAGES, type AnyEvent, type Stage } from '@audexly/protocol';
import { connectBus, readCallEvents, type Bus } from '@audexly/bus';
import { startGateway } from '@audexly/gateway';
import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import { createLogger } from '@audexly/telemetry';
import { startFakeOpenAI, startFakeSarvam, speechFixture } from '@audexly/testing';
import { ROOT, StageCluster } from './stage-cluster.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    stages: { type: 'string', default: 'llm,tts,stt' },
    baseline: { type: 'string', default: '3' },
    build: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const BASELINE_RUNS = Number(values.baseline);
const KILLED = values.stages.split(',').filter((s): s is Stage => (STAGES as readonly string[]).includes(s));
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = createLogger({ service: 'bench-failover', level: 'silent' });

interface RunResult {
  stage: Stage | 'none';
  killToReclaimMs: number | null;
  beatToReclaimMs: number | null;
  killToAudioMs: number | null;
  speechEndToAudioMs: number | null;
  answered: boolean;
}

async function main(): Promise<void> {
  if (values.build) execFileSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const run = randomUUID().slice(0, 8);
  const sarvam = await startFakeSarvam({
    apiKey: 'bench',
    sttLatencyMs: 150,
    ttsFirstByteMs: 200,
    transcripts: (audio, rate) =>
      audio.length / 2 / rate > 3.4 ? 'My number is thirty three ninety two.' : 'Go forward ten meters.',
  });
  const openai = await startFakeOpenAI({
    apiKey: 'bench',
    firstTokenMs: 350,
    tokenDelayMs: 15,
    reply: () => 'Sure, noted. Anything else?',
  });
  const env = {
    NATS_URL,
    SARVAM_API_KEY: 'bench',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: openai.url,
    CLAIM_SUBJECT_PREFIX: `bench-failover.${run}`,
    AGENT_GREETING: 'Hello, how can I help?',
    LOG_LEVEL: 'warn',
  };
  const bus = await connectBus({ servers: NATS_URL, name: 'bench-failover', log });
  const cluster = await StageCluster.start({ bus, env, stages: STAGES, perStage: 2, idPrefix: `bf${run}` });
  const gateway = await startGateway({ ...env, GATEWAY_PORT: '0', LOG_LEVEL: 'silent' }, log);
  const url = `ws://127.0.0.1:${gateway.port}/api/v1/telephony/exotel/stream`;
  const results: RunResult[] = [];
  try {
    for (let i = 0; i < BASELINE_RUNS; i++) results.push(report(await oneRun(bus, cluster, url, null)));
    for (const stage of KILLED) {
      for (let i = 0; i < RUNS; i++) {
        results.push(report(await oneRun(bus, cluster, url, stage)));
        await cluster.add(stage);
      }
    }
  } finally {
    await gateway.stop();
    await cluster.stop();
    await bus.drain();
    await Promise.all([sarvam.close(), openai.close()]);
  }
  printSummary(results);
}

/** One call; kills the holder of `stage` at the chosen moment of caller turn 2 (none when null). */
async function oneRun(bus: Bus, cluster: StageCluster, url: string, stage: Stage | null): Promise<RunResult> {
  const known = new Set(cluster.heldCalls());
  const callPromise = simulateCall({
    url,
    audio: [speechFixture('goforward', 8000), speechFixture('numbers', 8000)],
    sampleRate: 8000,
    quietMs: 1000,
  });
  let callId: string | undefined;
  const deadline = Date.now() + 10_000;
  while (!(callId = cluster.heldCalls().find((id) => !known.has(id)))) {
    if (Date.now() > deadline) throw new Error('the call was never claimed');
    await delay(20);
  }
  let killAt: number | null = null;
  const speech = bus.subscribeEvents(callId, 'speech');
  const killing = (async () => {
    if (stage === null) return;
    const trigger = stage === 'stt' ? 'speech.started' : 'speech.stopped';
    for await (const { event } of speech) {
      if (event.type !== trigger || event.utterance !== 2) continue;
      const holder = cluster.holderOf(callId, stage);
      if (!holder) throw new Error(`no ${stage} instance holds the call`);
      killAt = await cluster.kill(holder);
      return;
    }
  })();
  let call: SimulatedCall;
  try {
    call = await callPromise;
  } finally {
    speech.unsubscribe();
  }
  await killing;
  const events = await readCallEvents(bus, callId);
  return measure(stage ?? 'none', events, killAt, call);
}

function measure(stage: Stage | 'none', events: AnyEvent[], killAt: number | null, call: SimulatedCall): RunResult {
  const started = events.find((e) => e.type === 'call.started');
  const t0 = started?.type === 'call.started' ? started.call.startedAt : 0;
  const at = (e: AnyEvent) => t0 + e.timelineMs;
  const reassigned = events.find((e) => e.type === 'control.reassigned');
  const stopped = events.find((e) => e.type === 'speech.stopped' && e.utterance >= 2);
  const speechEnd = stopped?.type === 'speech.stopped' ? t0 + stopped.speechEndMs : null;
  const after = killAt ?? speechEnd ?? 0;
  const nextAudio = events.find((e) => e.type === 'playback.started' && e.turn >= 2 && at(e) >= after);
  return {
    stage,
    killToReclaimMs: reassigned && killAt !== null ? at(reassigned) - killAt : null,
    beatToReclaimMs:
      reassigned?.type === 'control.reassigned' && reassigned.lastHeartbeatAt !== null
        ? at(reassigned) - reassigned.lastHeartbeatAt
        : null,
    killToAudioMs: nextAudio && killAt !== null ? at(nextAudio) - killAt : null,
    speechEndToAudioMs: nextAudio && speechEnd !== null ? at(nextAudio) - speechEnd : null,
    answered: call.turns.length === 2 && call.turns[1]!.answered,
  };
}

function report(r: RunResult): RunResult {
  const f = (v: number | null) => (v === null ? '–' : `${Math.round(v)} ms`);
  console.log(
    `${r.stage.padEnd(5)} kill→re-claim ${f(r.killToReclaimMs)}, last beat→re-claim ${f(r.beatToReclaimMs)}, kill→next audio ${f(r.killToAudioMs)}, end of speech→next audio ${f(r.speechEndToAudioMs)}${r.answered ? '' : ' (turn 2 NOT answered)'}`,
  );
  return r;
}

function printSummary(results: RunResult[]): void {
  const med = (values: (number | null)[]) => {
    const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
    if (v.length === 0) return '–';
    const mid = Math.floor(v.length / 2);
    return String(Math.round(v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2));
  };
  console.log(
    '\n| killed | runs | answered | kill → re-claim (ms) | last heartbeat → re-claim (ms) | kill → next agent audio (ms) | end of caller speech → next agent audio (ms) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const stage of ['none', ...KILLED] as const) {
    const rs = results.filter((r) => r.stage === stage);
    if (rs.length === 0) continue;
    console.log(
      `| ${stage === 'none' ? 'nothing (baseline)' : stage} | ${rs.length} | ${rs.filter((r) => r.answered).length} | ${med(rs.map((r) => r.killToReclaimMs))} | ${med(rs.map((r) => r.beatToReclaimMs))} | ${med(rs.map((r) => r.killToAudioMs))} | ${med(rs.map((r) => r.speechEndToAudioMs))} |`,
    );
  }
  console.log(
    "\nmedians; stt is killed at the start of the caller's turn, llm and tts at its end (see the header of this file).",
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
