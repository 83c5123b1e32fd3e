/**
 * Bad input must not cost capacity or records: whatever Exotel's `sequence_number`s say, the
 * gateway publishes a valid `call.ended` (so every stage frees the call at once), and it answers
 * the stages' "do you still hold this call?" exactly while the call is held.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sineTone } from '@audexly/audio';
import {
  callEndedSchema,
  callStatusReplySchema,
  PROTOCOL_VERSION,
  STAGES,
  subjects,
  type Stage,
} from '@audexly/protocol';
import { ClaimServer, connectBus, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { publishCallEnded, type CallEnding } from './call-ended.js';
import { startGateway, type RunningGateway } from '../service.js';
import { BusRecorder } from '../test/bus-recorder.js';
import { ExotelTestClient } from '../test/exotel-client.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const silent = createLogger({ service: 'call-ended-test', level: 'silent' });
const prefix = `test.callended.${randomUUID()}`;
const subjectFor = (stage: Stage) => `${prefix}.${stage}`;

let bus: Bus;
let stages: ClaimServer[];
let gateway: RunningGateway;

beforeAll(async () => {
  bus = await connectBus({ servers: NATS_URL, name: 'call-ended-test', log: silent });
  stages = STAGES.map(
    (stage) =>
      new ClaimServer(bus, {
        stage,
        instanceId: `fake-${stage}`,
        maxCalls: 10,
        subject: subjectFor(stage),
        onClaim: () => Promise.resolve(),
      }),
  );
  await Promise.all(stages.map((s) => s.start()));
  gateway = await startGateway(
    { NATS_URL, GATEWAY_PORT: '0', GATEWAY_HOST: '127.0.0.1', LOG_LEVEL: 'silent', DRAIN_TIMEOUT_MS: '500' },
    silent,
    { claimSubject: subjectFor, noCapacityAudio: null },
  );
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all((stages ?? []).map((s) => s.stop()));
  await bus?.drain();
});

async function startCall(): Promise<{ client: ExotelTestClient; rec: BusRecorder }> {
  const client = await ExotelTestClient.connect(`ws://127.0.0.1:${gateway.port}/api/v1/telephony/exotel/stream`);
  const rec = new BusRecorder(bus, client.callSid);
  await rec.start(['lifecycle', 'error'], []);
  client.start();
  await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
  return { client, rec };
}

/** Asks what a stage asks: does a gateway hold the call? The reply, or `no-responders`. */
async function askGateway(callId: string): Promise<unknown> {
  const request = {
    type: 'gateway.call-status-request',
    v: PROTOCOL_VERSION,
    callId,
    stage: 'llm',
    instanceId: 'test',
  };
  try {
    const msg = await bus.nc.request(subjects.gatewayCall(callId), JSON.stringify(request), { timeout: 2000 });
    return callStatusReplySchema.parse(msg.json());
  } catch (err) {
    if ((err as { isNoResponders?: () => boolean }).isNoResponders?.()) return 'no-responders';
    throw err;
  }
}

describe('absurd sequence numbers from Exotel', () => {
  it('still end the call with a valid call.ended, counted as sequence anomalies, not lost frames', async () => {
    const { client, rec } = await startCall();
    const tone = sineTone(400, 100, 8000).toString('base64');
    const media = (sequence: number | string) =>
      client.send({
        event: 'media',
        sequence_number: sequence,
        stream_sid: client.streamSid,
        media: { chunk: '1', timestamp: '100', payload: tone },
      });
    // The reported attack: 1 (start), then numbers no call can reach, one beyond the safe integers.
    media(9007199254740990);
    media('9007199254740999');
    media(3);
    client.send({
      event: 'stop',
      sequence_number: 4,
      stream_sid: client.streamSid,
      stop: { call_sid: client.callSid, account_sid: 'acmevoice1', reason: 'callended' },
    });
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    const ended = rec.of('call.ended')[0]!;
    expect(callEndedSchema.parse(ended)).toMatchObject({
      reason: 'caller-hangup',
      lostFrames: 1,
      reorderedFrames: 0,
      sequenceAnomalies: 2,
    });
    expect(rec.of('error')).toEqual([]);
    rec.stop();
  });
});

describe('the stages asking whether the gateway holds a call', () => {
  it('are answered while the call is held, and get no responders once call.ended is out', async () => {
    const { client, rec } = await startCall();
    expect(await askGateway(client.callSid)).toMatchObject({
      type: 'gateway.call-status',
      callId: client.callSid,
      state: 'live',
    });
    client.stop();
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    expect(await askGateway(client.callSid)).toBe('no-responders');
    rec.stop();
  });
});

describe('publishing call.ended', () => {
  it('replaces a call.ended that fails its schema by a minimal valid one, with an error event', () => {
    const published: unknown[] = [];
    const errors: string[] = [];
    const port = {
      publish: (event: CallEnding) =>
        published.push(callEndedSchema.parse({ ...event, v: PROTOCOL_VERSION, callId: 'c', timelineMs: 5 })),
      reportError: (message: string) => errors.push(message),
      log: silent,
    };
    const ok = publishCallEnded(port, {
      type: 'call.ended',
      reason: 'stopped',
      detail: 'stopped',
      durationMs: 5000,
      lostFrames: 2 ** 60,
      reorderedFrames: -1,
    });
    expect(ok).toBe(true);
    expect(published).toEqual([
      expect.objectContaining({ type: 'call.ended', reason: 'stopped', detail: 'stopped', durationMs: 5000 }),
    ]);
    expect(published[0]).not.toHaveProperty('lostFrames');
    expect(errors).toHaveLength(1);
  });

  it('publishes a valid call.ended as it is', () => {
    const published: CallEnding[] = [];
    const errors: string[] = [];
    const ended: CallEnding = {
      type: 'call.ended',
      reason: 'caller-hangup',
      detail: '',
      durationMs: 10,
      lostFrames: 1,
      reorderedFrames: 0,
    };
    expect(
      publishCallEnded({ publish: (e) => published.push(e), reportError: (m) => errors.push(m), log: silent }, ended),
    ).toBe(true);
    expect(published).toEqual([ended]);
    expect(errors).toEqual([]);
  });
});
