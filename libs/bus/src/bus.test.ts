import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { AudioHeader, PROTOCOL_VERSION, subjects, type StageHeartbeat } from '@audexly/protocol';
import type { Bus } from './bus.js';
import { testBus, uniqueCallId } from './test/nats.js';

let bus: Bus;
beforeAll(async () => {
  bus = await testBus();
});
afterAll(async () => {
  await bus.drain();
});

describe('bus on a real NATS server', () => {
  it('delivers a typed event to the call subscriber and skips malformed messages', async () => {
    const callId = uniqueCallId();
    const sub = bus.subscribeEvents(callId, 'speech');
    await bus.flush();
    bus.nc.publish(subjects.speech(callId), new TextEncoder().encode('{not json'));
    bus.nc.publish(subjects.speech(callId), new TextEncoder().encode(JSON.stringify({ type: 'speech.final', v: 1 })));
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 120,
      utterance: 1,
      speechStartMs: 100,
    });
    for await (const { event, subject } of sub) {
      expect(subject).toBe(`call.${callId}.speech`);
      expect(event).toEqual({
        type: 'speech.started',
        v: 1,
        callId,
        timelineMs: 120,
        utterance: 1,
        speechStartMs: 100,
      });
      break;
    }
    sub.unsubscribe();
  });

  it('refuses to publish an event that breaks its schema', () => {
    const callId = uniqueCallId();
    expect(() =>
      bus.publishEvent('reply', {
        type: 'reply.segment',
        v: 1,
        callId,
        timelineMs: 0,
        turn: -1,
        segment: 0,
        text: 'x',
      }),
    ).toThrow();
  });

  it('carries audio as binary with its headers', async () => {
    const callId = uniqueCallId();
    const sub = bus.subscribeAudio(subjects.audioIn(callId));
    await bus.flush();
    const pcm = new Uint8Array([1, 2, 3, 4]);
    bus.publishAudio(subjects.audioIn(callId), pcm, { [AudioHeader.seq]: 7, [AudioHeader.timelineMs]: 700 });
    for await (const msg of sub) {
      expect(Array.from(msg.data)).toEqual([1, 2, 3, 4]);
      expect(msg.num(AudioHeader.seq)).toBe(7);
      expect(msg.num(AudioHeader.timelineMs)).toBe(700);
      expect(msg.header(AudioHeader.turn)).toBeUndefined();
      expect(msg.num(AudioHeader.turn, -1)).toBe(-1);
      break;
    }
    sub.unsubscribe();
  });

  it('carries heartbeats typed both ways, skipping one that breaks the schema', async () => {
    const instanceId = `hb-${randomUUID()}`;
    const sub = bus.subscribeHeartbeats();
    await bus.flush();
    bus.nc.publish(
      subjects.heartbeat('llm'),
      new TextEncoder().encode(JSON.stringify({ type: 'stage.heartbeat', v: 1, stage: 'llm', instanceId })),
    );
    const beat: StageHeartbeat = {
      type: 'stage.heartbeat',
      v: PROTOCOL_VERSION,
      stage: 'llm',
      instanceId,
      activeCalls: 1,
      maxCalls: 4,
      accepting: true,
      calls: ['c1'],
      at: 1,
    };
    bus.publishHeartbeat(beat);
    // Other processes on this server heartbeat too: only ours count.
    for await (const received of sub) {
      if (received.instanceId !== instanceId) continue;
      expect(received).toEqual(beat);
      break;
    }
    sub.unsubscribe();
  });

  it("follows one family's events of every call", async () => {
    const [first, second] = [uniqueCallId(), uniqueCallId()];
    const sub = bus.subscribeEveryCall('lifecycle');
    await bus.flush();
    bus.nc.publish(subjects.lifecycle(first), new TextEncoder().encode('{not json'));
    for (const callId of [first, second])
      bus.publishEvent('lifecycle', {
        type: 'call.ended',
        v: PROTOCOL_VERSION,
        callId,
        timelineMs: 5,
        reason: 'caller-hangup',
        durationMs: 5,
      });
    const seen: string[] = [];
    for await (const { event, subject } of sub) {
      if (event.callId !== first && event.callId !== second) continue;
      expect(subject).toBe(subjects.lifecycle(event.callId));
      seen.push(event.callId);
      if (seen.length === 2) break;
    }
    sub.unsubscribe();
    expect(seen).toEqual([first, second]);
  });
});
