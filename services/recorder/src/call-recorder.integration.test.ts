import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUCKETS,
  callsWithCapturedAudio,
  claimStage,
  connectBus,
  openBucket,
  provisionJetStream,
  purgeCallAudio,
  type Bus,
} from '@audexly/bus';
import {
  AudioHeader,
  ErrorCode,
  PROTOCOL_VERSION,
  agentConfigSchema,
  callRecordSchema,
  subjects,
  type CallDescriptor,
} from '@audexly/protocol';
import { StageRuntime } from '@audexly/stage';
import { createLogger } from '@audexly/telemetry';
import { createCallRecorder } from './call-recorder.js';
import type { RecordingStore } from '@audexly/storage';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let bus: Bus;
beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'recorder-failure-test',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
  await provisionJetStream(bus);
});
afterAll(async () => {
  await bus?.drain();
});

const brokenStore: RecordingStore = {
  kind: 'nats-object-store',
  put: () => Promise.reject(new Error('disk full')),
  get: () => Promise.resolve(null),
  head: () => Promise.resolve(null),
  delete: () => Promise.resolve(),
  list: async function* () {},
};

describe('call recorder', () => {
  it('when the recording cannot be stored, publishes a storage error event, still writes the record without a recording, and keeps the captured audio', async () => {
    const callId = `t${randomUUID().replace(/-/g, '')}`;
    const claimSubject = `test.claim.${randomUUID()}`;
    const calls = await openBucket(bus, BUCKETS.calls);
    const runtime = new StageRuntime({
      stage: 'recorder',
      bus,
      log: createLogger({ service: 'test', level: 'silent' }),
      maxCalls: 1,
      claimSubject,
      handler: createCallRecorder({
        bus,
        recordings: brokenStore,
        calls,
        maxRecordingMs: 60_000,
        eventLogTimeoutMs: 3000,
        retentionDays: 90,
      }),
    });
    await runtime.start();
    const errors = bus.subscribeEvents(callId, 'error');
    await bus.flush();
    try {
      const call: CallDescriptor = {
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
      expect((await claimStage(bus, 'recorder', call, { subject: claimSubject })).ok).toBe(true);
      bus.publishAudio(subjects.audioIn(callId), new Uint8Array(1600), { [AudioHeader.timelineMs]: 0 });
      bus.publishEvent('lifecycle', {
        type: 'call.ended',
        v: PROTOCOL_VERSION,
        callId,
        timelineMs: 500,
        reason: 'caller-hangup',
        durationMs: 500,
      });

      for await (const { event } of errors) {
        expect(event).toMatchObject({
          stage: 'recorder',
          code: ErrorCode.storage,
          message: 'could not store the recording',
        });
        break;
      }
      await runtime.drain(10_000);
      const entry = await calls.get(callId);
      const record = callRecordSchema.parse(entry?.json());
      expect(record.recording).toBeNull();
      expect(record.status).toBe('completed');
      expect(record.errors).toEqual([
        expect.objectContaining({
          stage: 'recorder',
          code: ErrorCode.storage,
          message: 'could not store the recording',
        }),
      ]);
      expect(await callsWithCapturedAudio(bus)).toContain(callId);
      await calls.delete(callId);
      await purgeCallAudio(bus, callId);
    } finally {
      errors.unsubscribe();
      await runtime.drain(1000);
    }
  });
});
