import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, subjects, type StageHeartbeat } from '@audexly/protocol';
import { connectBus, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { StageWatch, type StageLoss } from './stage-watch.js';

const log = createLogger({ service: 'test', level: 'silent' });
let bus: Bus;
beforeAll(async () => {
  bus = await connectBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'stage-watch-test', log });
});
afterAll(async () => {
  await bus.drain();
});

function beat(instanceId: string, calls: string[]): void {
  const body: StageHeartbeat = {
    type: 'stage.heartbeat',
    v: PROTOCOL_VERSION,
    stage: 'llm',
    instanceId,
    activeCalls: calls.length,
    maxCalls: 10,
    accepting: true,
    calls,
    at: Date.now(),
  };
  bus.nc.publish(subjects.heartbeat('llm'), JSON.stringify(body));
}

const until = async (cond: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
};

describe('stage watch', () => {
  it('declares an instance lost when its heartbeats stop, and not while they continue', async () => {
    const watch = new StageWatch(bus, log, { intervalMs: 100, misses: 3, checkMs: 10 });
    watch.start();
    await bus.flush();
    const [alive, dying, call] = [`a-${randomUUID()}`, `d-${randomUUID()}`, `t${randomUUID().replace(/-/g, '')}`];
    const losses: StageLoss[] = [];
    watch.watch(call, 'llm', alive, (l) => losses.push(l));
    watch.watch(call, 'llm', dying, (l) => losses.push(l));
    const timer = setInterval(() => beat(alive, [call]), 40);
    beat(dying, [call]);
    try {
      await until(() => losses.length > 0);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      clearInterval(timer);
      watch.stop();
    }
    expect(losses).toHaveLength(1);
    expect(losses[0]).toMatchObject({ callId: call, stage: 'llm', instanceId: dying, reason: 'silent' });
    expect(losses[0]!.lastBeatAt).not.toBeNull();
  });

  it('declares a call lost when its instance keeps beating without it, and never judges an instance it never heard', async () => {
    const watch = new StageWatch(bus, log, { intervalMs: 100, misses: 3, checkMs: 10 });
    watch.start();
    await bus.flush();
    const [dropper, silent, call] = [`x-${randomUUID()}`, `s-${randomUUID()}`, `t${randomUUID().replace(/-/g, '')}`];
    const losses: StageLoss[] = [];
    watch.watch(call, 'llm', dropper, (l) => losses.push(l));
    watch.watch(call, 'llm', silent, (l) => losses.push(l));
    const timer = setInterval(() => beat(dropper, []), 40);
    try {
      await until(() => losses.length > 0);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      clearInterval(timer);
      watch.stop();
    }
    expect(losses.map((l) => [l.instanceId, l.reason])).toEqual([[dropper, 'dropped-call']]);
  });

  it('does not take its own stall for the silence of instances that kept beating', async () => {
    const watch = new StageWatch(bus, log, { intervalMs: 100, misses: 3, checkMs: 10 });
    watch.start();
    await bus.flush();
    const [alive, call] = [`a-${randomUUID()}`, `t${randomUUID().replace(/-/g, '')}`];
    const losses: StageLoss[] = [];
    watch.watch(call, 'llm', alive, (l) => losses.push(l));
    // The instance beats from another thread (its own event loop), so it goes on while this one stalls.
    const beats = beatFromAnotherThread(alive, [call], 40);
    try {
      await until(() => watch.lastBeatAt(alive) !== null);
      const stallUntil = Date.now() + 700; // longer than the 300 ms that make an instance gone
      while (Date.now() < stallUntil) {
        // busy: this process hears nothing meanwhile
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await beats.terminate();
      watch.stop();
    }
    expect(losses).toEqual([]);
  });
});

/** Publishes heartbeats over a raw NATS connection in a worker thread, every `everyMs`. */
function beatFromAnotherThread(instanceId: string, calls: string[], everyMs: number): Worker {
  const url = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
  const body = (at: number): string =>
    JSON.stringify({
      type: 'stage.heartbeat',
      v: PROTOCOL_VERSION,
      stage: 'llm',
      instanceId,
      activeCalls: calls.length,
      maxCalls: 10,
      accepting: true,
      calls,
      at,
    });
  const code = `
    const net = require('node:net');
    const { workerData } = require('node:worker_threads');
    const socket = net.connect(workerData.port, workerData.host, () => {
      socket.write('CONNECT {"verbose":false}\\r\\n');
      setInterval(() => {
        const payload = workerData.template.replace('"at":0', '"at":' + Date.now());
        socket.write('PUB ' + workerData.subject + ' ' + Buffer.byteLength(payload) + '\\r\\n' + payload + '\\r\\n');
      }, workerData.everyMs);
    });
    socket.on('data', (d) => { if (d.toString().startsWith('PING')) socket.write('PONG\\r\\n'); });
  `;
  return new Worker(code, {
    eval: true,
    workerData: {
      host: url.hostname,
      port: Number(url.port || 4222),
      subject: subjects.heartbeat('llm'),
      template: body(0),
      everyMs,
    },
  });
}
