/**
 * A stage instance whose drain deadline passed releases its live calls (`control.released`): the
 * gateway claims the stage again at once on another instance (`reclaim: true`, then
 * `control.reassigned`), without waiting for heartbeats — these fake instances send none at all.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, STAGES, type CallDescriptor, type Stage } from '@audexly/protocol';
import { ClaimServer, connectBus, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { startGateway, type RunningGateway } from './service.js';
import { BusRecorder } from './test/bus-recorder.js';
import { ExotelTestClient } from './test/exotel-client.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const silent = createLogger({ service: 'call-release-test', level: 'silent' });
const prefix = `test.callrelease.${randomUUID()}`;
const subjectFor = (stage: Stage) => `${prefix}.${stage}`;

interface Claimed {
  instanceId: string;
  stage: Stage;
  callId: string;
  reclaim: boolean;
}

let bus: Bus;
const claims: Claimed[] = [];
const servers = new Map<string, ClaimServer>();
let gateway: RunningGateway;

function instance(stage: Stage, instanceId: string): ClaimServer {
  const server = new ClaimServer(bus, {
    stage,
    instanceId,
    maxCalls: 10,
    subject: subjectFor(stage),
    onClaim: (call: CallDescriptor, claim) => {
      claims.push({ instanceId, stage, callId: call.callId, reclaim: claim.reclaim });
      return Promise.resolve();
    },
  });
  servers.set(instanceId, server);
  return server;
}

beforeAll(async () => {
  bus = await connectBus({ servers: NATS_URL, name: 'call-release-test', log: silent });
  // One instance of each stage, but two of llm.
  const all = [
    ...STAGES.filter((stage) => stage !== 'llm').map((stage) => instance(stage, `only-${stage}`)),
    instance('llm', 'llm-a'),
    instance('llm', 'llm-b'),
  ];
  await Promise.all(all.map((s) => s.start()));
  gateway = await startGateway(
    { NATS_URL, GATEWAY_PORT: '0', GATEWAY_HOST: '127.0.0.1', LOG_LEVEL: 'silent', DRAIN_TIMEOUT_MS: '500' },
    silent,
    { claimSubject: subjectFor, noCapacityAudio: null },
  );
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([...servers.values()].map((s) => s.stop()));
  await bus?.drain();
});

describe('a stage instance releasing a live call', () => {
  it('gets the stage re-claimed at once on another instance, and a release from a non-owner is ignored', async () => {
    const client = await ExotelTestClient.connect(`ws://127.0.0.1:${gateway.port}/api/v1/telephony/exotel/stream`);
    const callId = client.callSid;
    const rec = new BusRecorder(bus, callId);
    await rec.start(['lifecycle', 'control'], []);
    client.start();
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    const holder = claims.find((c) => c.callId === callId && c.stage === 'llm')!.instanceId;
    const other = holder === 'llm-a' ? 'llm-b' : 'llm-a';

    // As a draining instance does: it takes no more claims, then gives its live call up.
    await servers.get(holder)!.stop();
    const base = { v: PROTOCOL_VERSION, callId, timelineMs: 1 } as const;
    bus.publishEvent('control', { ...base, type: 'control.released', stage: 'tts', instanceId: 'not-the-owner' });
    bus.publishEvent('control', { ...base, type: 'control.released', stage: 'llm', instanceId: holder });

    await rec.until(() => rec.of('control.reassigned').length === 1, 3000, 'control.reassigned');
    expect(rec.of('control.reassigned')[0]).toMatchObject({
      stage: 'llm',
      previousInstanceId: holder,
      instanceId: other,
    });
    expect(claims.filter((c) => c.callId === callId && c.reclaim)).toEqual([
      { instanceId: other, stage: 'llm', callId, reclaim: true },
    ]);

    client.stop();
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    // Nothing was re-claimed for the release that did not come from the owner.
    expect(claims.filter((c) => c.callId === callId && c.reclaim)).toHaveLength(1);
    expect(rec.of('control.reassigned')).toHaveLength(1);
    rec.stop();
  });
});
