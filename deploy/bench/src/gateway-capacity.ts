#!/usr/bin/env node
/**
 * Gateway capacity: how many concurrent Exotel calls one core of the gateway holds with no
 * outbound chunk late by more than 20 ms, and the CPU each call costs.
 *
 *   npx tsc -b deploy/bench/tsconfig.build.json
 *   node deploy/bench/dist/gateway-capacity.js [--steps 100,200,300,400,500,600] [--window 10] [--warmup 4] [--rate 8000]
 *
 * Method. The gateway runs in a child process (pinned to one CPU with taskset when available) on
 * the real NATS, with claim subjects unique to this run. This process is both sides around it:
 * - an echo stage: claims every stage of the bench's calls and sends each caller frame from
 *   `audio.in` back on `audio.out`, as 1 s segments (so the gateway re-chunks, paces and marks
 *   agent audio all the time, the worst case: both directions busy for the whole call);
 * - lightweight callers: one WebSocket each, streaming a real speech recording as 100 ms `media`
 *   frames in real time (frames pre-encoded once; one shared timer), echoing marks.
 * Calls ramp up in steps; after a warm-up each step is measured for a window: the gateway's CPU
 * from /proc/<pid>/stat, and chunk lateness from its /metrics histogram
 * (`audexly_gateway_chunk_lateness_ms`: how long after its due time each paced chunk went out).
 * A step passes when no chunk was late by more than 20 ms and the gateway used under one core.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { resample } from '@audexly/audio';
import { AudioHeader, delay, STAGES, subjects, type SampleRate } from '@audexly/protocol';
import { ClaimServer, connectBus, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { loadSpeechFixture } from '@audexly/testing';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '100,200,300,400,500,600,700' },
    window: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '4' },
    rate: { type: 'string', default: '8000' },
    'no-pin': { type: 'boolean', default: false },
    /** Keep ramping past a step with late chunks (on a shared machine other processes delay timers). */
    'keep-going': { type: 'boolean', default: false },
  },
});
const steps = values.steps.split(',').map(Number);
const windowS = Number(values.window);
const warmupS = Number(values.warmup);
const rate = Number(values.rate) as SampleRate;
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const FRAME_MS = 100;
const SEGMENT_FRAMES = 10;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || 100);
const log = createLogger({ service: 'bench', level: 'warn' });

// ---- the gateway child ----------------------------------------------------------------------

const prefix = `bench.gwcap.${randomUUID()}`;
async function startGatewayChild(): Promise<{ child: ChildProcess; port: number; pid: number }> {
  const script = fileURLToPath(new URL('./gateway-capacity-server.js', import.meta.url));
  const env = {
    ...process.env,
    NATS_URL,
    GATEWAY_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    BENCH_CLAIM_PREFIX: prefix,
    MAX_CALLS: '100000',
    DRAIN_TIMEOUT_MS: '1000',
  };
  // BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the gateway.
  const execArgv = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = fork(script, [], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number; pid: number }) => resolve(m));
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  const pinned = !values['no-pin'] && spawnSync('taskset', ['-pc', '1', String(ready.pid)]).status === 0;
  if (!values['no-pin']) spawnSync('taskset', ['-pc', '0', String(process.pid)]);
  console.log(`gateway pid ${ready.pid} on port ${ready.port}${pinned ? ', pinned to CPU 1 (bench on CPU 0)' : ''}`);
  return { child, ...ready };
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

interface Lateness {
  count: number;
  over20: number;
  buckets: Map<number, number>;
  chunks: number;
}

async function scrape(port: number): Promise<Lateness> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets = new Map<number, number>();
  let count = 0;
  let chunks = 0;
  for (const line of text.split('\n')) {
    let m = /^audexly_gateway_chunk_lateness_ms_bucket\{le="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (m) buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
    m = /^audexly_gateway_chunk_lateness_ms_count(?:\{[^}]*\})? (\d+)/.exec(line);
    if (m) count = Number(m[1]);
    m = /^audexly_gateway_chunks_out_total(?:\{[^}]*\})? (\d+)/.exec(line);
    if (m) chunks = Number(m[1]);
  }
  return { count, over20: count - (buckets.get(20) ?? 0), buckets, chunks };
}

/** Upper bound of the largest lateness in the window, from histogram deltas. */
function maxLatenessBound(a: Lateness, b: Lateness): string {
  const total = b.count - a.count;
  if (total === 0) return '0';
  for (const [le, n] of [...b.buckets].sort((x, y) => x[0] - y[0]))
    if (n - (a.buckets.get(le) ?? 0) === total) return le === Infinity ? '>250' : `≤${le}`;
  return '?';
}

// ---- the echo stage ----------------------------------------------------------------------------

async function startEcho(bus: Bus): Promise<ClaimServer[]> {
  const servers = STAGES.map(
    (stage) =>
      new ClaimServer(bus, {
        stage,
        instanceId: `bench-${stage}`,
        maxCalls: 100_000,
        subject: `${prefix}.${stage}`,
        onClaim: (call) => {
          if (stage !== 'tts') return Promise.resolve();
          const out = subjects.audioOut(call.callId);
          let frames = 0;
          const sub = bus.nc.subscribe(subjects.audioIn(call.callId), {
            callback: (_err, msg) => {
              const segment = Math.floor(frames / SEGMENT_FRAMES);
              const last = frames % SEGMENT_FRAMES === SEGMENT_FRAMES - 1;
              frames++;
              bus.publishAudio(out, msg.data, {
                [AudioHeader.turn]: 1,
                [AudioHeader.segment]: segment,
                [AudioHeader.seq]: frames,
                [AudioHeader.sampleRate]: call.sampleRate,
                ...(last ? { [AudioHeader.last]: 1 } : {}),
              });
            },
          });
          const ended = bus.nc.subscribe(subjects.lifecycle(call.callId), {
            callback: (_err, msg) => {
              if (!msg.string().includes('"call.ended"')) return;
              sub.unsubscribe();
              ended.unsubscribe();
            },
          });
          return Promise.resolve();
        },
      }),
  );
  await Promise.all(servers.map((s) => s.start()));
  return servers;
}

// ---- the callers -------------------------------------------------------------------------------

interface Caller {
  ws: WebSocket;
  streamSid: string;
  seq: number;
  frame: number;
  nextAt: number;
  open: boolean;
  mediaIn: number;
}

async function speechFrames(): Promise<string[]> {
  const fixture = await loadSpeechFixture('goforward', 8000);
  const pcm = rate === 8000 ? fixture.pcm : await resample(fixture.pcm, 8000, rate);
  const bytes = (rate / 1000) * FRAME_MS * 2;
  const frames: string[] = [];
  for (let o = 0; o + bytes <= pcm.byteLength; o += bytes) frames.push(pcm.subarray(o, o + bytes).toString('base64'));
  return frames;
}

async function openCaller(port: number): Promise<Caller> {
  const callSid = randomBytes(16).toString('hex');
  const streamSid = randomBytes(16).toString('hex');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/telephony/exotel/stream?sample-rate=${rate}`, {
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const caller: Caller = { ws, streamSid, seq: 1, frame: 0, nextAt: performance.now(), open: true, mediaIn: 0 };
  ws.on('message', (data: Buffer) => {
    // Only marks need parsing (to echo them); media is counted.
    if (data[10] === 0x6d && data[11] === 0x61 && data[12] === 0x72) {
      const { mark } = JSON.parse(data.toString()) as { mark: { name: string } };
      ws.send(
        `{"event":"mark","sequence_number":"${++caller.seq}","stream_sid":"${streamSid}","mark":{"name":"${mark.name}"}}`,
      );
    } else caller.mediaIn++;
  });
  ws.on('close', () => (caller.open = false));
  ws.send('{"event":"connected"}');
  ws.send(
    JSON.stringify({
      event: 'start',
      sequence_number: '1',
      stream_sid: streamSid,
      start: {
        stream_sid: streamSid,
        call_sid: callSid,
        account_sid: 'bench',
        from: '+919876543210',
        to: '+918047491899',
        custom_parameters: {},
        media_format: { encoding: 'audio/x-raw', sample_rate: String(rate), bit_rate: '16' },
      },
    }),
  );
  return caller;
}

function startStreaming(callers: Caller[], frames: string[]): NodeJS.Timeout {
  return setInterval(() => {
    const now = performance.now();
    for (const c of callers) {
      while (c.open && c.nextAt <= now) {
        const payload = frames[c.frame % frames.length]!;
        c.frame++;
        c.ws.send(
          `{"event":"media","sequence_number":"${++c.seq}","stream_sid":"${c.streamSid}","media":{"chunk":"${c.frame}","timestamp":"${c.frame * FRAME_MS}","payload":"${payload}"}}`,
        );
        c.nextAt += FRAME_MS;
      }
    }
  }, 10);
}

// ---- the run -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const bus = await connectBus({ servers: NATS_URL, name: 'bench-gateway-capacity', log });
  const echo = await startEcho(bus);
  const frames = await speechFrames();
  const { child, port, pid } = await startGatewayChild();
  const callers: Caller[] = [];
  const timer = startStreaming(callers, frames);
  const rows: {
    calls: number;
    cpu: number;
    perCallMs: number;
    over20: number;
    maxLate: string;
    chunksPerS: number;
    delivered: number;
  }[] = [];
  console.log(
    `rate ${rate} Hz, 100 ms frames each way, warm-up ${warmupS} s, window ${windowS} s per step; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
  );
  console.log('calls  gateway CPU  CPU/call      chunks/s  late>20ms  max lateness  agent audio delivered');
  try {
    for (const target of steps) {
      while (callers.length < target) {
        const batch = Math.min(25, target - callers.length);
        callers.push(...(await Promise.all(Array.from({ length: batch }, () => openCaller(port)))));
        await delay(100);
      }
      await delay(warmupS * 1000);
      const before = {
        cpu: cpuSeconds(pid),
        t: performance.now(),
        late: await scrape(port),
        media: callers.reduce((n, c) => n + c.mediaIn, 0),
      };
      await delay(windowS * 1000);
      const after = {
        cpu: cpuSeconds(pid),
        t: performance.now(),
        late: await scrape(port),
        media: callers.reduce((n, c) => n + c.mediaIn, 0),
      };
      const wall = (after.t - before.t) / 1000;
      const cpu = (after.cpu - before.cpu) / wall;
      const live = callers.filter((c) => c.open).length;
      const expected = live * (1000 / FRAME_MS) * wall;
      const row = {
        calls: live,
        cpu,
        perCallMs: (cpu * 1000) / live,
        over20: after.late.over20 - before.late.over20,
        maxLate: maxLatenessBound(before.late, after.late),
        chunksPerS: (after.late.chunks - before.late.chunks) / wall,
        delivered: (after.media - before.media) / expected,
      };
      rows.push(row);
      console.log(
        `${String(row.calls).padStart(5)}  ${(row.cpu * 100).toFixed(1).padStart(9)} %  ${row.perCallMs.toFixed(3).padStart(6)} ms/s  ${row.chunksPerS.toFixed(0).padStart(8)}  ${String(row.over20).padStart(9)}  ${row.maxLate.padStart(12)} ms  ${(row.delivered * 100).toFixed(1).padStart(8)} %`,
      );
      if ((row.over20 > 0 && !values['keep-going']) || row.cpu > 0.95 || live < target || row.delivered < 0.9) break;
    }
  } finally {
    clearInterval(timer);
    for (const c of callers) c.ws.close(1000);
    child.send({ type: 'stop' });
    await new Promise((r) => child.once('exit', r));
    await Promise.all(echo.map((s) => s.stop()));
    await bus.drain();
  }
  const passing = rows.filter((r) => r.over20 === 0 && r.cpu <= 0.95);
  const best = passing.at(-1);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log('');
  if (best) {
    console.log(
      `largest step with no chunk late > 20 ms: ${best.calls} calls at ${(best.cpu * 100).toFixed(0)} % of one core`,
    );
    console.log(
      `CPU per call (median over steps): ${median(rows.map((r) => r.perCallMs)).toFixed(3)} ms of CPU per second of call`,
    );
    console.log(`calls per core at that cost: ${Math.floor(1000 / median(rows.map((r) => r.perCallMs)))}`);
  } else console.log('no step passed');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
