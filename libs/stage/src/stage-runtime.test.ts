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
  return { callId, callSid: callId, streamSid: 's', accountSid: 'a', from: '', to: '', direction: 'inbound', sampleRate: 8000, customParameters: {}, startedAt: Date.now(), agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p' }) };
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
        for await (const { event } of call.events('speech')) if (event.type === 'speech.started') seen.push(event.utterance);
      },
    });
    runtime.start();
    await bus.flush();
    const call = descriptor();
    expect((await claimStage(bus, 'llm', call, { subject: claimSubject })).ok).toBe(true);
    expect(runtime.activeCalls).toBe(1);
    for (let utterance = 1; utterance <= 50; utterance++) {
      bus.publishEvent('speech', { type: 'speech.started', v: PROTOCOL_VERSION, callId: call.callId, timelineMs: utterance, utterance, speechStartMs: utterance });
    }
    bus.publishEvent('lifecycle', { type: 'call.ended', v: PROTOCOL_VERSION, callId: call.callId, timelineMs: 60, reason: 'caller-hangup', durationMs: 60 });
    await runtime.drain(5000);
    expect(seen).toHaveLength(50);
    expect(runtime.activeCalls).toBe(0);
  });

  it('turns a failing handler into an error event for the call', async () => {
    const claimSubject = `test.claim.${randomUUID()}`;
    const runtime = new StageRuntime({ stage: 'tts', bus, log, maxCalls: 2, claimSubject, handler: () => Promise.reject(new Error('boom')) });
    runtime.start();
    await bus.flush();
    const call = descriptor();
    const errors = bus.subscribeEvents(call.callId, 'error');
    await bus.flush();
    expect((await claimStage(bus, 'tts', call, { subject: claimSubject })).ok).toBe(true);
    for await (const { event } of errors) {
      expect(event).toMatchObject({ type: 'error', stage: 'tts', code: 'AUDEXLY_ERR_INTERNAL', callId: call.callId });
      break;
    }
    errors.unsubscribe();
    bus.publishEvent('lifecycle', { type: 'call.ended', v: PROTOCOL_VERSION, callId: call.callId, timelineMs: 1, reason: 'caller-hangup', durationMs: 1 });
    await runtime.drain(5000);
    expect(runtime.activeCalls).toBe(0);
  });
});

describe('stage heartbeats', () => {
  it('an instance announces itself and the calls it holds, and stops when silenced', async () => {
    const { subjects, stageHeartbeatSchema } = await import('@audexly/protocol');
    const claimSubject = `test.claim.${randomUUID()}`;
    const runtime = new StageRuntime({ stage: 'recorder', bus, log, maxCalls: 3, claimSubject, heartbeatMs: 50, handler: (call) => call.ended.then(() => undefined) });
    const beats = bus.nc.subscribe(subjects.heartbeat('recorder'));
    runtime.start();
    await bus.flush();
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
    bus.publishEvent('lifecycle', { type: 'call.ended', v: PROTOCOL_VERSION, callId: call.callId, timelineMs: 1, reason: 'caller-hangup', durationMs: 1 });
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
          if (event.type === 'speech.started') call.publish('speech', { type: 'speech.final', utterance: event.utterance, text: 'x', language: null, speechStartMs: 0, speechEndMs: 0, audioSeconds: 0, providerMs: 0 });
        }
      },
    });
    runtime.start();
    await bus.flush();
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
    bus.publishEvent('control', { ...base, type: 'control.reassigned', stage: 'stt', instanceId: 'new-owner', previousInstanceId: runtime.instanceId, lastHeartbeatAt: null });
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
