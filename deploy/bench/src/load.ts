/**
 * The whole platform under load: N simulated Exotel callers speaking real recordings, with turns
 * spread realistically, against the six services (one process each, on the real NATS) on fake
 * providers at realistic latencies (STT 150 ms, LLM first token 350 ms, TTS first byte 200 ms).
 * The load generator and the fakes run on one core and the platform on the other (`taskset`), so
 * the figures are the platform's. Reports calls completed, turns answered, voice-to-voice and system
 * overhead p50/p95/p99, CPU and memory per service, the gateway's late chunks, and the gaps the
 * callers heard inside agent speech (their playout buffer ran dry: what a late chunk costs at the
 * caller's edge, where the gateway's lead of audio at Exotel has not absorbed it) beside the gaps
 * the gateway itself counted sending (`audexly_gateway_playout_gaps_total`, by cause).
 *
 * Run: npm run build && npm run load -- --calls 50 --duration 120
 * Options: --calls N (concurrent callers) --duration S (how long the run lasts)
 *          --call-length S (each caller's calls last about this long, placed back to back; default:
 *          one call of the whole duration)
 *          --platform-cpus 1 --load-cpus 0 (taskset lists; "" leaves a side unpinned) --seed N
 *          --line-noise-dbfs=-65 (what each caller's line carries between words; "off": digital silence)
 *          --speculate on|off (`turn.speculate` of the agent, on by default; the system overhead row
 *          means "the platform's own time" only with it off: speculating, the providers overlap the silence)
 *          --gateway-nice=0 (the gateway process's nice value: -10 puts its real-time pacing ahead of the
 *          other services sharing its core, as a pod of its own would; needs root)
 *          --gateway-realtime=0 (1–99: the gateway under the kernel's real-time round-robin policy at
 *          that priority, ahead of every other process on its core whenever it is ready; needs root)
 *          --gateway-cpus LIST (the gateway on these CPUs instead of --platform-cpus, e.g. a core of its own)
 *          --gateway-node-args=--trace-gc (node flags for the gateway process only, space-separated)
 *
 * Besides late chunks it reports why chunks come late: the gateway's garbage collections, and how long
 * its main thread (the event loop that paces every call's audio) was runnable but waiting for a CPU,
 * from the kernel's own account (`schedstat`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import {
  fixtureTranscripts,
  seededRandom,
  speechFixture,
  speechFixtureRecordings,
  startFakeOpenAI,
  startFakeSarvam,
  type SpeechFixtureName,
} from '@audexly/testing';
import { agentConfigSchema, delay } from '@audexly/protocol';
import { fetchCallData } from './call-events.js';
import { measureMachineLoad } from './machine-load.js';
import { percentile, percentileRow } from './percentiles.js';
import { turnBreakdowns, type TurnBreakdown } from './turn-breakdown.js';
import {
  mainThreadSchedStat,
  processCpuSeconds,
  SERVICE_NAMES,
  startVoiceStack,
  type ThreadSchedStat,
} from './voice-stack.js';
import { writeAgentFile } from './agent-file.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '50' },
    duration: { type: 'string', default: '120' },
    'call-length': { type: 'string' },
    'platform-cpus': { type: 'string', default: '1' },
    'load-cpus': { type: 'string', default: '0' },
    seed: { type: 'string' },
    'line-noise-dbfs': { type: 'string', default: '-65' },
    speculate: { type: 'string', default: 'on' },
    'gateway-nice': { type: 'string', default: '0' },
    'gateway-realtime': { type: 'string', default: '0' },
    'gateway-cpus': { type: 'string' },
    'gateway-node-args': { type: 'string' },
  },
});
const calls = Number(values.calls);
const durationS = Number(values.duration);
/** Each caller places calls of about this long back to back until `durationS` is over (default: one call). */
const callLengthS = values['call-length'] !== undefined ? Number(values['call-length']) : durationS;
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000;
const random = seededRandom(seed);
/**
 * An idle telephone line is never digitally silent: callers' lines carry noise between their
 * words (-65 dBFS by default), so the STT's VAD works on what it would in production.
 */
const lineNoiseDbfs = values['line-noise-dbfs'] === 'off' ? null : Number(values['line-noise-dbfs']);
const RATE = 8000;
const FRAME_MS = 100;
/** Short and medium utterances, as callers speak to an agent (1.5–4 s). */
const UTTERANCES: SpeechFixtureName[] = ['goforward', 'numbers', 'something', 'cards-001', 'cards-002', 'cards-003'];
/** A turn takes about this long: the caller's speech, the end-of-turn silence, the agent's answer. */
const TURN_S = 8;
const START_SPREAD_MS = 20_000;

function rssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function gatewayMetricsText(gatewayUrl: string): Promise<string> {
  return (await fetch(gatewayUrl.replace(/^ws/, 'http').replace(/\/api\/.*$/, '/metrics'))).text();
}

/**
 * A metric's value in a /metrics text: its first series, or with `label` (e.g. `cause="late_audio"`)
 * the first series that has it; NaN when there is none.
 */
function metricValue(text: string, name: string, label = ''): number {
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && l.includes(label));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

/** The gateway's garbage collections so far, by kind (minor, major, …): all, and those within 10 ms. */
type GcCounts = Record<string, { all: number; within10ms: number }>;

function gcCounts(metricsText: string): GcCounts {
  const counts: GcCounts = {};
  for (const line of metricsText.split('\n')) {
    // prom-client's histogram: nodejs_gc_duration_seconds_count{kind="major",…} 9 and _bucket{le="0.01",kind=…} 6
    const m = /^nodejs_gc_duration_seconds_(count|bucket)\{([^}]*)\} (\S+)/.exec(line);
    const kind = m && /kind="(\w+)"/.exec(m[2]!)?.[1];
    if (!m || !kind) continue;
    const entry = (counts[kind] ??= { all: 0, within10ms: 0 });
    if (m[1] === 'count') entry.all = Number(m[3]);
    else if (m[2]!.includes('le="0.01"')) entry.within10ms = Number(m[3]);
  }
  return counts;
}

function gcSummary(before: GcCounts, after: GcCounts): string {
  return Object.entries(after)
    .map(([kind, end]) => {
      const start = before[kind] ?? { all: 0, within10ms: 0 };
      const all = end.all - start.all;
      return `${kind} ${all} (${all - (end.within10ms - start.within10ms)} over 10 ms)`;
    })
    .join(', ');
}

/** The gateway's main thread over the run: its time on a CPU against its time runnable but kept waiting. */
function schedSummary(before: ThreadSchedStat | null, after: ThreadSchedStat | null): string {
  if (!before || !after) return 'no schedstat (not Linux)';
  const onCpu = after.onCpuMs - before.onCpuMs;
  const waiting = after.waitingMs - before.waitingMs;
  const slices = after.timeslices - before.timeslices;
  return (
    `on a CPU ${(onCpu / 1000).toFixed(1)} s, runnable but waiting for one ${(waiting / 1000).toFixed(1)} s ` +
    `(${((waiting / Math.max(1, onCpu + waiting)) * 100).toFixed(0)} % of its demand), ` +
    `${slices} timeslices, ${(waiting / Math.max(1, slices)).toFixed(2)} ms wait per slice`
  );
}

/** The agent of the run with `turn.speculate` off (on: the built-in default agent, unchanged). */
function nonSpeculatingAgentFile(): string {
  const agent = agentConfigSchema.parse({
    id: 'default',
    name: 'Load receptionist',
    prompt: 'You are a phone receptionist.',
    greeting: 'Namaste! Thank you for calling. How can I help you today?',
    turn: { speculate: false },
  });
  return writeAgentFile(agent);
}

async function main(): Promise<void> {
  console.log(
    `load: ${calls} callers × ${durationS} s, seed ${seed} (--seed ${seed} repeats the same callers), ` +
      `line noise ${lineNoiseDbfs === null ? 'off (digital silence)' : `${lineNoiseDbfs} dBFS`}, ` +
      `turn.speculate ${values.speculate === 'off' ? 'off' : 'on'}, gateway nice ${values['gateway-nice']}` +
      (Number(values['gateway-realtime']) ? `, real-time priority ${values['gateway-realtime']}` : ''),
  );
  if (values['load-cpus']) {
    const pinned = spawnSync('taskset', ['-a', '-pc', values['load-cpus'], String(process.pid)]);
    if (pinned.status !== 0) throw new Error(`taskset failed: ${pinned.stderr?.toString().trim()}`);
  }
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const sarvam = await startFakeSarvam({
    apiKey: 'load-sarvam',
    transcripts: fixtureTranscripts(await speechFixtureRecordings(RATE)),
    sttLatencyMs: 150,
    ttsFirstByteMs: 200,
    keepRequestLog: false,
  });
  const openai = await startFakeOpenAI({
    apiKey: 'load-openai',
    reply: () => 'Sure, I can help with that right away.',
    firstTokenMs: 350,
    tokenDelayMs: 0,
    keepRequestLog: false,
  });
  const stack = await startVoiceStack({
    ...(values['platform-cpus'] ? { cpus: values['platform-cpus'] } : {}),
    niceness: { gateway: Number(values['gateway-nice']) },
    realtimePriority: { gateway: Number(values['gateway-realtime']) },
    ...(values['gateway-cpus'] ? { serviceCpus: { gateway: values['gateway-cpus'] } } : {}),
    ...(values['gateway-node-args'] ? { serviceNodeArgs: { gateway: values['gateway-node-args'].split(' ') } } : {}),
    env: {
      NATS_URL: natsUrl,
      SARVAM_API_KEY: 'load-sarvam',
      SARVAM_BASE_URL: sarvam.url,
      OPENAI_API_KEY: 'load-openai',
      OPENAI_BASE_URL: openai.url,
      MAX_CALLS: String(Math.max(100, calls * 2)),
      ...(values.speculate === 'off' ? { AGENT_FILE: nonSpeculatingAgentFile() } : {}),
    },
  });
  try {
    const turnsPerCall = Math.max(1, Math.round(callLengthS / TURN_S));
    const plans = Array.from({ length: calls }, (_, i) => ({
      startAfterMs: Math.round(random() * START_SPREAD_MS),
      // Each caller's own seeded sequence of utterances, whatever the timing of its calls.
      pick: seededRandom(seed * 1000 + i),
      // And its own line noise, apart from that sequence (so the noise level never changes what is said).
      noise: seededRandom(seed * 7919 + i),
    }));
    // Warm-up (not counted): JIT, provider sockets, the fake TTS's cache of the reply.
    await simulateCall({
      url: stack.gatewayUrl,
      sampleRate: RATE,
      frameMs: FRAME_MS,
      audio: [speechFixture('goforward', RATE)],
      answerTimeoutMs: 15_000,
    });
    const cpu0 = stack.pids.map((pid) => processCpuSeconds(pid));
    const rss0 = stack.pids.map((pid) => rssMiB(pid));
    const metrics0 = await gatewayMetricsText(stack.gatewayUrl);
    const gatewayPid = stack.pids[SERVICE_NAMES.indexOf('gateway')]!;
    const sched0 = mainThreadSchedStat(gatewayPid);
    const machine = measureMachineLoad();
    // The simulated callers' own timeliness: a late tick of theirs plays audio late or hears a gap
    // the platform did not cause.
    const loadLoopDelay = monitorEventLoopDelay({ resolution: 10 });
    loadLoopDelay.enable();
    const began = performance.now();
    let peakRss = [...rss0];
    const sampler = setInterval(() => {
      peakRss = stack.pids.map((pid, i) => Math.max(peakRss[i]!, rssMiB(pid)));
    }, 1000);
    /** Every call placed, with when it started (ms after the run began). */
    const placed: { startedAtMs: number; result: SimulatedCall | Error }[] = [];
    await Promise.all(
      plans.map(async (plan) => {
        await delay(plan.startAfterMs);
        do {
          const startedAtMs = performance.now() - began;
          const utterances = Array.from(
            { length: turnsPerCall },
            () => UTTERANCES[Math.floor(plan.pick() * UTTERANCES.length)]!,
          );
          const result = await simulateCall({
            url: stack.gatewayUrl,
            sampleRate: RATE,
            frameMs: FRAME_MS,
            audio: utterances.map((name) => speechFixture(name, RATE)),
            ...(lineNoiseDbfs === null
              ? {}
              : { lineNoise: { dbfs: lineNoiseDbfs, seed: Math.floor(plan.noise() * 2 ** 32) } }),
            answerTimeoutMs: 15_000,
            keepAgentAudio: false,
            signal: AbortSignal.timeout(turnsPerCall * 30_000 + 60_000),
          }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
          placed.push({ startedAtMs, result });
        } while (performance.now() - began < (durationS - callLengthS / 2) * 1000);
      }),
    );
    const results = placed.map((p) => p.result);
    clearInterval(sampler);
    loadLoopDelay.disable();
    const wallS = (performance.now() - began) / 1000;
    const load = machine();
    const cpu = stack.pids.map((pid, i) => processCpuSeconds(pid) - cpu0[i]!);
    const metrics = await gatewayMetricsText(stack.gatewayUrl);
    const late = 'audexly_gateway_late_chunks_total';
    const lateChunks = metricValue(metrics, late) - metricValue(metrics0, late);
    const lateMax = metricValue(metrics, 'audexly_gateway_chunk_lateness_max_ms');
    // A labelled counter has no series until its first count: none is 0.
    const gapsCounted = (text: string, cause: string): number =>
      metricValue(text, 'audexly_gateway_playout_gaps_total', `cause="${cause}"`) || 0;
    const gatewayGaps = (cause: string): number => gapsCounted(metrics, cause) - gapsCounted(metrics0, cause);
    const gc = gcSummary(gcCounts(metrics0), gcCounts(metrics));
    const sched = schedSummary(sched0, mainThreadSchedStat(gatewayPid));

    const done = results.filter((r): r is SimulatedCall => !(r instanceof Error));
    const turns = done.flatMap((c) => c.turns);
    const answered = turns.filter((t) => t.answered).length;
    const gaps = done.flatMap((c) => c.gaps);
    const breakdowns: TurnBreakdown[] = [];
    // The platform's own breakdown of the first 200 calls (reading every call's events of a soak takes long).
    for (const r of done.slice(0, 200)) {
      const data = await fetchCallData(stack.apiUrl, stack.apiToken, r.callId).catch(() => null);
      if (data) breakdowns.push(...turnBreakdowns(data, { frameMs: FRAME_MS, vadWindowMs: 32 }).turns);
    }
    const callerLatency = turns.map((t) => t.latencyMs).filter((ms): ms is number => ms !== null);
    // Drift: the caller-side latency of the turns whose speech ended in each sixth of the run.
    const timed = placed.flatMap(({ startedAtMs, result }) =>
      result instanceof Error
        ? []
        : result.turns
            .filter((t) => t.latencyMs !== null && t.speechEndAtMs !== null)
            .map((t) => ({ atS: (startedAtMs + t.speechEndAtMs!) / 1000, ms: t.latencyMs! })),
    );
    const gapsAtS = placed.flatMap(({ startedAtMs, result }) =>
      result instanceof Error ? [] : result.gaps.map((g) => (startedAtMs + g.atMs) / 1000),
    );
    const windowS = Math.max(1, Math.ceil(wallS / 6));
    const rssEnd = stack.pids.map((pid) => rssMiB(pid));

    console.log(
      `\n## Load: ${calls} concurrent callers for ${durationS} s, ${placed.length} calls of ${turnsPerCall} turns, seed ${seed}` +
        `\n\nplatform on CPUs ${values['platform-cpus'] || 'all'}, load generator and fakes on ${values['load-cpus'] || 'all'}; ` +
        `${wallS.toFixed(0)} s; machine ${(load.busyShare * 100).toFixed(0)}% busy of ${load.cores} cores; ` +
        `load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    );
    console.log(
      `calls completed ${done.length}/${results.length} (${results.length - done.length} failed: ${[
        ...new Set(results.filter((r) => r instanceof Error).map((r) => r.message)),
      ].join('; ')}); turns answered ${answered}/${turns.length}; ` +
        `late chunks (> 20 ms) ${lateChunks}, largest lateness ${lateMax} ms; ` +
        `gaps the callers heard inside agent speech ${gaps.length}` +
        (gaps.length
          ? ` (longest ${Math.round(Math.max(...gaps.map((g) => g.ms)))} ms; ms long @ ms into its segment: ${gaps
              .slice(0, 8)
              .map((g) => `${Math.round(g.ms)} @ ${Math.round(g.intoSegmentMs)}`)
              .join(', ')}${gaps.length > 8 ? ', …' : ''})`
          : '') +
        `; gaps the gateway sent ${gatewayGaps('late_audio') + gatewayGaps('late_send')} ` +
        `(TTS audio came late ${gatewayGaps('late_audio')}, the pacer sent late ${gatewayGaps('late_send')})` +
        `\ngateway garbage collections: ${gc}\ngateway main thread: ${sched}` +
        `\nload generator (the callers): event loop delay p99 ${(loadLoopDelay.percentile(99) / 1e6).toFixed(1)} ms, ` +
        `max ${(loadLoopDelay.max / 1e6).toFixed(1)} ms; RSS at the end ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
    );
    console.log('\n| ms | p50 | p95 | p99 | max |\n| --- | --- | --- | --- | --- |');
    console.log(percentileRow('voice-to-voice, at the caller (end of speech → first agent audio)', callerLatency));
    console.log(
      percentileRow(
        'voice-to-voice, by the platform',
        breakdowns.map((t) => t.voiceToVoiceMs),
      ),
    );
    console.log(
      percentileRow(
        '**system overhead** (v2v − silence − providers)',
        breakdowns.map((t) => t.overheadMs),
      ),
    );
    console.log(
      percentileRow(
        '  of which input framing (the wait for the 100 ms caller frame that completes the silence)',
        breakdowns.map((t) => t.inputFramingMs),
      ),
    );
    console.log(
      percentileRow(
        '**system overhead less input framing** (from the frame that ends the silence to the first media)',
        breakdowns.map((t) => t.overheadMs - t.inputFramingMs),
      ),
    );
    console.log(`\nDrift: caller-side voice-to-voice by when the caller stopped speaking (${windowS} s windows)`);
    console.log('\n| from (s) | turns | p50 | p95 | gaps heard |\n| --- | --- | --- | --- | --- |');
    for (let from = 0; from < wallS; from += windowS) {
      const inWindow = timed.filter((t) => t.atS >= from && t.atS < from + windowS).map((t) => t.ms);
      const gapsInWindow = gapsAtS.filter((s) => s >= from && s < from + windowS).length;
      if (inWindow.length > 0)
        console.log(
          `| ${from} | ${inWindow.length} | ${percentile(inWindow, 50)} | ${percentile(inWindow, 95)} | ${gapsInWindow} |`,
        );
    }
    console.log('\n| service | CPU (% of one core) | RSS at start → peak → end (MiB) |\n| --- | --- | --- |');
    for (const [i, name] of SERVICE_NAMES.entries())
      console.log(
        `| ${name} | ${((cpu[i]! / wallS) * 100).toFixed(0)} % | ${rss0[i]!.toFixed(0)} → ${peakRss[i]!.toFixed(0)} → ${rssEnd[i]!.toFixed(0)} |`,
      );
    console.log(
      `\nReproduce: npm run build && npm run load -- --calls ${calls} --duration ${durationS} --call-length ${callLengthS} --seed ${seed} --line-noise-dbfs=${lineNoiseDbfs ?? 'off'} --speculate ${values.speculate} --gateway-nice=${values['gateway-nice']}` +
        (values['platform-cpus'] !== '1' ? ` --platform-cpus ${values['platform-cpus'] || '""'}` : '') +
        (values['load-cpus'] !== '0' ? ` --load-cpus ${values['load-cpus'] || '""'}` : '') +
        (values['gateway-cpus'] ? ` --gateway-cpus ${values['gateway-cpus']}` : '') +
        (Number(values['gateway-realtime']) ? ` --gateway-realtime=${values['gateway-realtime']}` : '') +
        (values['gateway-node-args'] ? ` --gateway-node-args='${values['gateway-node-args']}'` : ''),
    );
  } finally {
    await stack.stop();
    await sarvam.close();
    await openai.close();
  }
}

await main();
process.exit(0);
