import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfigSchema, PROTOCOL_VERSION, type CallDescriptor } from '@audexly/protocol';
import { claimStage, connectBus, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { StageRuntime } from './stage-runtime.js';

const log = createLogger({ service: 'test', level: 'silent' });
let bus: Bus;
beforeAll(async () => {
  bus = await connectBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'stage-test', log });
});
afterAll(async () => {
  await bus.drain();
});

function descriptor(): CallDescriptor {
  const callId = `t${randomUUID().replace(/-/g, '')}`;
  return {
    callId,
    callSid: callId,
    streamSid: 's',
    accountSid: 'a',
    from: '',
    to: '',
    direction: 'inbound',
    sampleRate: 8000,
    customParameters: {},
    startedAt: Date.now(),
    agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p' }),
  };
}

describe('stage runtime', () => {
  it('delivers every event sent before call.ended, ends the handler, and frees the slot', async () => {
    const claimSubject = `test.claim.${randomUUID()}`;
    const seen: number[] = [];
    const runtime = new StageRuntime({
      stage: 'llm',
      bus,
      log,
      maxCalls: 1,
      claimSubject,
      handler: async (call) => {
        for await (const { event } of call.events('speech'))
          if (event.type === 'speech.started') seen.push(event.utterance);
      },
    });
    await runtime.start();
    const call = descriptor();
    expect((await claimStage(bus, 'llm', call, { subject: claimSubject })).ok).toBe(true);
    expect(runtime.activeCalls).toBe(1);
    for (let utterance = 1; utterance <= 50; utterance++) {
      bus.publishEvent('speech', {
        type: 'speech.started',
        v: PROTOCOL_VERSION,
        callId: call.callId,
        timelineMs: utterance,
        utterance,
        speechStartMs: utterance,
      });
    }
    bus.publishEvent('lifecycle', {
      type: 'call.ended',
      v: PROTOCOL_VERSION,
      callId: call.callId,
      timelineMs: 60,
      reason: 'caller-hangup',
      durationMs: 60,
    });
    await runtime.drain(5000);
    expect(seen).toHaveLength(50);
    expect(runtime.activeCalls).toBe(0);
  });

  it('turns a failing handler into an error event for the call', async () => {
    const claimSubject = `test.claim.${randomUUID()}`;
    const runtime = new StageRuntime({
      stage: 'tts',
      bus,
      log,
      maxCalls: 2,
      claimSubject,
      handler: () => Promise.reject(new Error('boom')),
    });
    await runtime.start();
    const call = descriptor();
    const errors = bus.subscribeEvents(call.callId, 'error');
    await bus.flush();
    expect((await claimStage(bus, 'tts', call, { subject: claimSubject })).ok).toBe(true);
    for await (const { event } of errors) {
      expect(event).toMatchObject({ type: 'error', stage: 'tts', code: 'AUDEXLY_ERR_INTERNAL', callId: call.callId });
      break;
    }
    errors.unsubscribe();
    bus.publishEvent('lifecycle', {
      type: 'call.ended',
      v: PROTOCOL_VERSION,
      callId: call.callId,
      timelineMs: 1,
      reason: 'caller-hangup',
      durationMs: 1,
    });
    await runtime.drain(5000);
    expect(runtime.activeCalls).toBe(0);
  });
});

describe('stage heartbeats', () => {
  it('an instance announces itself and the calls it holds, and stops when silenced', async () => {
    const { subjects, stageHeartbeatSchema } = await import('@audexly/protocol');
    const claimSubject = `test.claim.${randomUUID()}`;
    const runtime = new StageRuntime({
      stage: 'recorder',
      bus,
      log,
      maxCalls: 3,
      claimSubject,
      heartbeatMs: 50,
      handler: (call) => call.ended.then(() => undefined),
    });
    const beats = bus.nc.subscribe(subjects.heartbeat('recorder'));
    await runtime.start();
    const call = descriptor();
    expect((await claimStage(bus, 'recorder', call, { subject: claimSubject })).ok).toBe(true);
    let sawCall = false;
    for await (const msg of beats) {
      const beat = stageHeartbeatSchema.parse(msg.json());
      if (beat.instanceId !== runtime.instanceId) continue;
      expect(beat).toMatchObject({ stage: 'recorder', maxCalls: 3, accepting: true });
      if (beat.calls.includes(call.callId)) {
        expect(beat.activeCalls).toBe(1);
        sawCall = true;
        break;
      }
    }
    beats.unsubscribe();
    expect(sawCall).toBe(true);
    bus.publishEvent('lifecycle', {
      type: 'call.ended',
      v: PROTOCOL_VERSION,
      callId: call.callId,
      timelineMs: 1,
      reason: 'caller-hangup',
      durationMs: 1,
    });
    await runtime.drain(5000);
  });
});

describe('stage failover', () => {
  it('an instance that sees its call reassigned to another instance drops it and publishes nothing more for it', async () => {
    const claimSubject = `test.claim.${randomUUID()}`;
    const runtime = new StageRuntime({
      stage: 'stt',
      bus,
      log,
      maxCalls: 2,
      claimSubject,
      instanceId: `old-${randomUUID().slice(0, 6)}`,
      handler: async (call) => {
        for await (const { event } of call.events('speech')) {
          // Echo each utterance back as a final transcript (what a stale STT would keep doing).
          if (event.type === 'speech.started')
            call.publish('speech', {
              type: 'speech.final',
              utterance: event.utterance,
              text: 'x',
              language: null,
              speechStartMs: 0,
              speechEndMs: 0,
              audioSeconds: 0,
              providerMs: 0,
            });
        }
      },
    });
    await runtime.start();
    const call = descriptor();
    expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
    const finals = bus.subscribeEvents(call.callId, 'speech');
    const seen: string[] = [];
    const collecting = (async () => {
      for await (const { event } of finals) seen.push(`${event.type}:${event.utterance}`);
    })();
    await bus.flush();
    const base = { v: PROTOCOL_VERSION, callId: call.callId, timelineMs: 1 } as const;
    bus.publishEvent('speech', { ...base, type: 'speech.started', utterance: 1, speechStartMs: 0 });
    bus.publishEvent('control', {
      ...base,
      type: 'control.reassigned',
      stage: 'stt',
      instanceId: 'new-owner',
      previousInstanceId: runtime.instanceId,
      lastHeartbeatAt: null,
    });
    await new Promise((r) => setTimeout(r, 200));
    bus.publishEvent('speech', { ...base, type: 'speech.started', utterance: 2, speechStartMs: 0 });
    await new Promise((r) => setTimeout(r, 200));
    finals.unsubscribe();
    await collecting;
    expect(seen).toContain('speech.final:1');
    expect(seen).toContain('speech.started:2');
    expect(seen).not.toContain('speech.final:2');
    expect(runtime.activeCalls).toBe(0);
    await runtime.drain(1000);
  });
});

/** Resolves with `work`'s value, or rejects when it takes longer than `ms` (the old drain never returned). */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stage drain deadline', () => {
  it('releases a live call at the deadline: control.released, its work ended, out of the heartbeats, nothing written for it, and drain returns', async () => {
    const { subjects, stageHeartbeatSchema } = await import('@audexly/protocol');
    const claimSubject = `test.claim.${randomUUID()}`;
    const seen: number[] = [];
    let wroteRecord = false;
    let workEnded = false;
    const runtime = new StageRuntime({
      stage: 'recorder',
      bus,
      log,
      maxCalls: 2,
      claimSubject,
      heartbeatMs: 50,
      handler: async (call) => {
        const speech = call.events('speech');
        await Promise.all([
          (async () => {
            for await (const { event } of speech) seen.push(event.utterance);
          })(),
          (async () => {
            // What the recorder does: write the record at the end, unless another instance owns the call now.
            await call.ended;
            if (!call.superseded) wroteRecord = true;
          })(),
        ]);
        workEnded = true;
      },
    });
    await runtime.start();
    const call = descriptor();
    const control = bus.subscribeEvents(call.callId, 'control');
    const released: unknown[] = [];
    const watching = (async () => {
      for await (const { event } of control) if (event.type === 'control.released') released.push(event);
    })();
    const beats: { calls: string[]; at: number }[] = [];
    const beatSub = bus.nc.subscribe(subjects.heartbeat('recorder'), {
      callback: (_err, msg) => {
        const beat = stageHeartbeatSchema.parse(msg.json());
        if (beat.instanceId === runtime.instanceId) beats.push({ calls: beat.calls, at: Date.now() });
      },
    });
    await bus.flush();
    expect((await claimStage(bus, 'recorder', call, { subject: claimSubject })).ok).toBe(true);
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId: call.callId,
      timelineMs: 1,
      utterance: 1,
      speechStartMs: 1,
    });
    await until(() => seen.length === 1, 2000, 'the first event');

    // The gateway never ends the call: the old drain waited for call.ended (forever, here).
    await within(runtime.drain(300), 5000, 'the drain');
    const releasedAt = Date.now();
    expect(runtime.activeCalls).toBe(0);
    await until(() => workEnded, 2000, 'the call work to end');
    expect(wroteRecord).toBe(false);
    await until(() => released.length === 1, 2000, 'control.released');
    expect(released[0]).toMatchObject({
      type: 'control.released',
      stage: 'recorder',
      instanceId: runtime.instanceId,
      reason: 'drain-deadline',
      callId: call.callId,
    });
    // Heartbeats listed the call until the release, and no later one does.
    expect(beats.some((b) => b.calls.includes(call.callId))).toBe(true);
    expect(beats.filter((b) => b.at >= releasedAt).every((b) => !b.calls.includes(call.callId))).toBe(true);
    // Its subscriptions are closed: later events of the call reach nothing.
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId: call.callId,
      timelineMs: 2,
      utterance: 2,
      speechStartMs: 2,
    });
    await bus.flush();
    expect(seen).toEqual([1]);
    beatSub.unsubscribe();
    control.unsubscribe();
    await watching;
  });

  it('lets a call that already ended finish its work past the deadline, and releases nothing', async () => {
    const claimSubject = `test.claim.${randomUUID()}`;
    let finished = false;
    const runtime = new StageRuntime({
      stage: 'recorder',
      bus,
      log,
      maxCalls: 2,
      claimSubject,
      handler: async (call) => {
        await call.ended;
        await new Promise((r) => setTimeout(r, 400)); // writing the recording and the record
        finished = true;
      },
    });
    await runtime.start();
    const call = descriptor();
    const control = bus.subscribeEvents(call.callId, 'control');
    const types: string[] = [];
    const watching = (async () => {
      for await (const { event } of control) types.push(event.type);
    })();
    expect((await claimStage(bus, 'recorder', call, { subject: claimSubject })).ok).toBe(true);
    bus.publishEvent('lifecycle', {
      type: 'call.ended',
      v: PROTOCOL_VERSION,
      callId: call.callId,
      timelineMs: 60,
      reason: 'caller-hangup',
      durationMs: 60,
    });
    await bus.flush();
    await within(runtime.drain(100), 5000, 'the drain');
    expect(finished).toBe(true);
    expect(runtime.activeCalls).toBe(0);
    await bus.flush();
    control.unsubscribe();
    await watching;
    expect(types).toEqual([]);
  });
});

describe('stage call check', () => {
  /** Stands in for the gateway holding the call: answers the stages' question until stopped. */
  function gatewayHolding(callId: string, subjectOf: (id: string) => string) {
    let asked = 0;
    const sub = bus.nc.subscribe(subjectOf(callId), {
      callback: (_err, msg) => {
        asked++;
        msg.respond(JSON.stringify({ type: 'gateway.call-status', v: PROTOCOL_VERSION, callId, state: 'live' }));
      },
    });
    return { asked: () => asked, die: () => sub.unsubscribe() };
  }

  it('keeps a call its gateway holds, and ends one whose gateway died within two check periods: error event, call.ended (error) to the work, slot freed', async () => {
    const { subjects } = await import('@audexly/protocol');
    const claimSubject = `test.claim.${randomUUID()}`;
    let endedWith: unknown;
    const runtime = new StageRuntime({
      stage: 'llm',
      bus,
      log,
      maxCalls: 1,
      claimSubject,
      callCheckMs: 100,
      handler: async (call) => {
        for await (const _ of call.events('speech')) void _;
        endedWith = await call.ended;
      },
    });
    await runtime.start();
    const call = descriptor();
    const gateway = gatewayHolding(call.callId, subjects.gatewayCall);
    const errors = bus.subscribeEvents(call.callId, 'error');
    const seenErrors: unknown[] = [];
    const collecting = (async () => {
      for await (const { event } of errors) seenErrors.push(event);
    })();
    await bus.flush();
    expect((await claimStage(bus, 'llm', call, { subject: claimSubject })).ok).toBe(true);
    await until(() => gateway.asked() >= 3, 3000, 'the stage to ask the gateway');
    expect(runtime.activeCalls).toBe(1);

    // The gateway dies without call.ended: the call is freed within two periods (plus a request).
    gateway.die();
    const diedAt = Date.now();
    await until(() => runtime.activeCalls === 0, 5000, 'the orphaned call to be freed');
    log.info({ freedAfterMs: Date.now() - diedAt }, 'orphaned call freed');
    expect(endedWith).toMatchObject({ type: 'call.ended', reason: 'error', callId: call.callId });
    await until(() => seenErrors.length > 0, 2000, 'the error event');
    expect(seenErrors[0]).toMatchObject({ type: 'error', stage: 'llm', code: 'AUDEXLY_ERR_GATEWAY_LOST' });
    // The slot is free for another call.
    expect((await claimStage(bus, 'llm', descriptor(), { subject: claimSubject })).ok).toBe(true);
    errors.unsubscribe();
    await collecting;
    await runtime.drain(100);
  });

  it('counts no "no responders" while its NATS connection is down', async () => {
    const own = await connectBus({
      servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: 'stage-test-outage',
      log,
    });
    const claimSubject = `test.claim.${randomUUID()}`;
    const runtime = new StageRuntime({
      stage: 'tts',
      bus: own,
      log,
      maxCalls: 1,
      claimSubject,
      callCheckMs: 50,
      handler: (call) => call.ended.then(() => undefined),
    });
    await runtime.start();
    expect((await claimStage(bus, 'tts', descriptor(), { subject: claimSubject })).ok).toBe(true);
    // No gateway answers for this call; the connection is (said to be) down meanwhile.
    own.connectionChanged(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(runtime.activeCalls).toBe(1);
    own.connectionChanged(true);
    await until(() => runtime.activeCalls === 0, 3000, 'the call to be freed once the connection is back');
    await runtime.drain(100);
    await own.drain();
  });
});
