import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '@audexly/audio';
import { BUCKETS, claimStage, connectBus, openBucket, openRecordings, type Bus } from '@audexly/bus';
import {
  AudioHeader,
  PROTOCOL_VERSION,
  agentConfigSchema,
  callRecordSchema,
  subjects,
  type CallDescriptor,
  type CallRecord,
} from '@audexly/protocol';
import { createLogger } from '@audexly/telemetry';

/**
 * The crash test: a recorder process holding a call is killed (SIGKILL) halfway through it; a new
 * recorder process re-claims the call (as the gateway does when an instance's heartbeats stop),
 * and the recording it stores at call end holds the whole call on both channels, sample for sample.
 */
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const RATE = 8000;
const claimSubject = `test.claim.${randomUUID()}`;
const children = new Set<ChildProcess>();
let bus: Bus;

beforeAll(async () => {
  // The test runs the built service, as production does: build it (incremental, quick when fresh).
  await promisify(execFile)('npx', ['tsc', '-b', 'services/recorder/tsconfig.build.json'], { cwd: root });
  bus = await connectBus({
    servers: NATS_URL,
    name: 'recorder-restart-test',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
}, 300_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await bus?.drain();
});

/** Starts `node services/recorder/dist/main.js` and resolves once it takes calls. */
async function startRecorderProcess(instanceId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['services/recorder/dist/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NATS_URL,
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      INSTANCE_ID: instanceId,
      RECORDER_CLAIM_SUBJECT: claimSubject,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      if (output.includes('"taking calls"')) resolve();
    });
    child.on('exit', (code) =>
      reject(new Error(`recorder ${instanceId} exited (${code}) before taking calls:\n${output}`)),
    );
  });
  child.stdout.resume();
  return child;
}

/** 100 ms whose samples say where they came from: base + position in the chunk. */
function chunk(base: number): Int16Array {
  return Int16Array.from({ length: RATE / 10 }, (_, i) => base + (i % 500));
}

async function waitForRecord(callId: string): Promise<CallRecord> {
  const kv = await openBucket(bus, BUCKETS.calls);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const entry = await kv.get(callId);
    if (entry?.value.length) return callRecordSchema.parse(entry.json());
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no call record appeared');
}

describe('recorder restart mid-call', () => {
  it('after the recorder holding a call is killed and another re-claims it, the recording holds the whole call on both channels', async () => {
    const callId = `t${randomUUID().replace(/-/g, '')}`;
    const call: CallDescriptor = {
      callId,
      callSid: callId,
      streamSid: 's',
      accountSid: 'a',
      from: '+919800000001',
      to: '+918000000002',
      direction: 'inbound',
      sampleRate: RATE,
      customParameters: {},
      startedAt: Date.now(),
      agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p' }),
    };
    // 2 s of caller audio (chunks 0–19) and agent audio 500–1000 ms and 1500–2000 ms.
    const caller = Array.from({ length: 20 }, (_, n) => ({ ms: n * 100, pcm: chunk(100 * (n + 1)) }));
    const agent = [5, 6, 7, 8, 9, 15, 16, 17, 18, 19].map((n, seq) => ({
      ms: n * 100,
      pcm: chunk(-100 * (n + 1)),
      seq,
    }));
    const publishUntil = (fromMs: number, toMs: number) => {
      caller
        .filter((c) => c.ms >= fromMs && c.ms < toMs)
        .forEach((c) =>
          bus.publishAudio(subjects.audioIn(callId), new Uint8Array(c.pcm.buffer), {
            [AudioHeader.seq]: c.ms / 100,
            [AudioHeader.timelineMs]: c.ms,
            [AudioHeader.sampleRate]: RATE,
          }),
        );
      agent
        .filter((c) => c.ms >= fromMs && c.ms < toMs)
        .forEach((c) =>
          bus.publishAudio(subjects.audioSent(callId), new Uint8Array(c.pcm.buffer), {
            [AudioHeader.seq]: c.seq,
            [AudioHeader.turn]: 0,
            [AudioHeader.segment]: 0,
            [AudioHeader.timelineMs]: c.ms,
          }),
        );
    };

    const first = await startRecorderProcess('restart-a');
    expect(await claimStage(bus, 'recorder', call, { subject: claimSubject })).toEqual({
      ok: true,
      stage: 'recorder',
      instanceId: 'restart-a',
    });
    publishUntil(0, 1000);
    await bus.flush();
    first.kill('SIGKILL');
    await once(first, 'exit');

    const second = await startRecorderProcess('restart-b');
    expect(await claimStage(bus, 'recorder', call, { subject: claimSubject })).toEqual({
      ok: true,
      stage: 'recorder',
      instanceId: 'restart-b',
    });
    publishUntil(1000, 2000);
    bus.publishEvent('lifecycle', {
      v: PROTOCOL_VERSION,
      callId,
      type: 'call.ended',
      timelineMs: 2100,
      reason: 'caller-hangup',
      durationMs: 2100,
    });

    const record = await waitForRecord(callId);
    const objects = await openRecordings(bus);
    try {
      const wav = parseWav(Buffer.from((await objects.getBlob(`${callId}.wav`))!));
      const frames = wav.pcm.byteLength / 4;
      expect(frames).toBe(2 * RATE);
      expect(record.recording).toMatchObject({ durationMs: 2000, channels: 2 });
      const expected = { left: new Int16Array(frames), right: new Int16Array(frames) };
      for (const c of caller) expected.left.set(c.pcm, (c.ms * RATE) / 1000);
      for (const c of agent) expected.right.set(c.pcm, (c.ms * RATE) / 1000);
      const left = Int16Array.from({ length: frames }, (_, i) => wav.pcm.readInt16LE(4 * i));
      const right = Int16Array.from({ length: frames }, (_, i) => wav.pcm.readInt16LE(4 * i + 2));
      expect(Buffer.from(left.buffer).equals(Buffer.from(expected.left.buffer))).toBe(true);
      expect(Buffer.from(right.buffer).equals(Buffer.from(expected.right.buffer))).toBe(true);
    } finally {
      second.kill('SIGTERM');
      await once(second, 'exit');
      await objects.delete(`${callId}.wav`);
      await (await openBucket(bus, BUCKETS.calls)).delete(callId);
    }
  });
});
