import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sineTone } from '@audexly/audio';
import { AudioHeader, ErrorCode, PROTOCOL_VERSION, STAGES, subjects, type Stage } from '@audexly/protocol';
import { ClaimServer, claimStage, connectBus, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { startGateway, type RunningGateway } from './service.js';
import { BusRecorder } from './test/bus-recorder.js';
import { ExotelTestClient } from './test/exotel-client.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const silent = createLogger({ service: 'gateway-test', level: 'silent' });
/** Claim subjects of this test file alone: running services and other tests never answer them. */
const prefix = `test.gwclaim.${randomUUID()}`;
const subjectFor = (stage: Stage) => `${prefix}.${stage}`;

/** A short stand-in for the recorded no-capacity apology. */
const apology = new Map(
  [8000, 16000, 24000].map((rate) => [rate as 8000 | 16000 | 24000, sineTone(350, 300, rate, 0.2)]),
);
let bus: Bus;
let gateway: RunningGateway;
let stages: ClaimServer[];
const env = {
  NATS_URL,
  GATEWAY_PORT: '0',
  GATEWAY_HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  PLAYOUT_LEAD_MS: '250',
  DRAIN_TIMEOUT_MS: '500',
  HANGUP_TIMEOUT_MS: '3000',
};

beforeAll(async () => {
  bus = await connectBus({ servers: NATS_URL, name: 'gateway-test', log: silent });
  stages = STAGES.map(
    (stage) =>
      new ClaimServer(bus, {
        stage,
        instanceId: `fake-${stage}`,
        maxCalls: 50,
        subject: subjectFor(stage),
        onClaim: () => Promise.resolve(),
      }),
  );
  await Promise.all(stages.map((s) => s.start()));
  // A call whose custom parameter says `scenario=nocap` finds no tts instance.
  gateway = await startGateway(env, silent, {
    noCapacityAudio: apology,
    claim: (stage, call) =>
      claimStage(bus, stage, call, {
        subject: call.customParameters.scenario === 'nocap' && stage === 'tts' ? `${prefix}.nobody` : subjectFor(stage),
        timeoutMs: 1000,
      }),
  });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all((stages ?? []).map((s) => s.stop()));
  await bus?.drain();
});

const url = (g: RunningGateway, rate = 8000) =>
  `ws://127.0.0.1:${g.port}/api/v1/telephony/exotel/stream?sample-rate=${rate}`;

async function newCall(rate = 8000, customParameters: Record<string, string> = {}) {
  const client = await ExotelTestClient.connect(url(gateway, rate));
  const rec = new BusRecorder(bus, client.callSid);
  await rec.start(
    ['lifecycle', 'playback', 'control', 'error'],
    [subjects.audioIn(client.callSid), subjects.audioSent(client.callSid)],
  );
  client.start({ sampleRate: rate, customParameters });
  return { client, rec };
}

function publishAgentAudio(callId: string, turn: number, segment: number, pcm: Buffer, pieces: number[]): void {
  let offset = 0;
  let seq = 0;
  for (const size of pieces) {
    bus.publishAudio(subjects.audioOut(callId), pcm.subarray(offset, offset + size), {
      [AudioHeader.turn]: turn,
      [AudioHeader.segment]: segment,
      [AudioHeader.seq]: seq++,
    });
    offset += size;
  }
  if (offset < pcm.byteLength)
    bus.publishAudio(subjects.audioOut(callId), pcm.subarray(offset), {
      [AudioHeader.turn]: turn,
      [AudioHeader.segment]: segment,
      [AudioHeader.seq]: seq++,
    });
  bus.publishAudio(subjects.audioOut(callId), new Uint8Array(0), {
    [AudioHeader.turn]: turn,
    [AudioHeader.segment]: segment,
    [AudioHeader.seq]: seq,
    [AudioHeader.last]: 1,
  });
}

describe('gateway with Exotel and stages on NATS', () => {
  it('serves health, liveness and metrics', async () => {
    const base = `http://127.0.0.1:${gateway.port}`;
    const health = await fetch(`${base}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', calls: expect.any(Number) });
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('audexly_gateway_active_calls');
  });

  it('refuses upgrades on other paths', async () => {
    await expect(ExotelTestClient.connect(`ws://127.0.0.1:${gateway.port}/elsewhere`)).rejects.toThrow('404');
  });

  it('carries a call: caller audio onto audio.in, agent audio to Exotel in 320-byte-aligned paced chunks with marks, stop ends it', async () => {
    const callBegan = performance.now();
    const { client, rec } = await newCall(8000);
    const callId = client.callSid;
    // Caller audio starts at once, before the stages are claimed: none of it may be lost.
    const caller = Array.from({ length: 6 }, (_, i) => sineTone(300 + i * 50, 100, 8000));
    for (const frame of caller.slice(0, 3)) client.media(frame);
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    const started = rec.of('call.started')[0]!;
    // Timeline ms count from this call's start, not from some earlier clock origin.
    expect(started.timelineMs).toBeLessThanOrEqual(Math.ceil(performance.now() - callBegan));
    expect(started.call).toMatchObject({
      callId,
      callSid: callId,
      streamSid: client.streamSid,
      sampleRate: 8000,
      from: '+919876543210',
      agent: { name: 'Audexly receptionist', sampleRate: 8000 },
    });
    for (const frame of caller.slice(3)) client.media(frame);

    // Agent turn 0: 730 ms then 300 ms, in irregular pieces.
    const seg0 = sineTone(440, 730, 8000, 0.3);
    const seg1 = sineTone(660, 300, 8000, 0.3);
    const began = Date.now();
    publishAgentAudio(callId, 0, 0, seg0, [1001, 3, 5000]);
    publishAgentAudio(callId, 0, 1, seg1, [4800]);
    await rec.until(() => rec.of('playback.segment-played').length === 2, 5000, 'both segments played');
    const elapsed = Date.now() - began;

    // Exotel's rules for every media message.
    const chunks = client.mediaChunks();
    for (const c of chunks) {
      expect(c.byteLength % 320).toBe(0);
      expect(c.byteLength).toBeGreaterThanOrEqual(1600);
      expect(c.byteLength).toBeLessThanOrEqual(3200);
    }
    for (const m of client.received) {
      expect(['media', 'mark', 'clear']).toContain(m.event);
      expect(m.stream_sid).toBe(client.streamSid);
    }
    // Segment 0 = 7 full chunks + padded tail; segment 1 = 3 chunks (300 ms → 4800 B → 1600×3).
    const order = client.received.map((m) => (m.event === 'mark' ? m.mark!.name : m.event));
    expect(order).toEqual([...Array<string>(8).fill('media'), 't0s0', ...Array<string>(3).fill('media'), 't0s1']);
    const played = Buffer.concat(chunks);
    expect(played.subarray(0, seg0.byteLength).equals(seg0)).toBe(true);
    expect(played.subarray(seg0.byteLength, 12_800).every((b) => b === 0)).toBe(true);
    expect(played.subarray(12_800).equals(seg1)).toBe(true);
    // Paced in real time: 1.1 s of audio cannot all be sent in much less than 1.1 s − lead.
    const sendSpan = client.received.at(-1)!.at - client.received[0]!.at;
    expect(sendSpan).toBeGreaterThanOrEqual(1100 - 250 - 150);
    expect(elapsed).toBeGreaterThanOrEqual(sendSpan);

    // Playback events.
    const pStarted = rec.of('playback.started');
    expect(pStarted).toHaveLength(1);
    expect(pStarted[0]).toMatchObject({ turn: 0, callId, v: PROTOCOL_VERSION });
    expect(pStarted[0]).not.toHaveProperty('ttsProviderMs');
    expect(pStarted[0]!.firstAudioInMs).toBeLessThanOrEqual(pStarted[0]!.timelineMs);
    expect(rec.of('playback.segment-played').map((e) => [e.turn, e.segment, e.audioMs])).toEqual([
      [0, 0, 800],
      [0, 1, 300],
    ]);

    // audio.sent mirrors what Exotel got, with playout timeline positions.
    const sent = rec.audio.get(subjects.audioSent(callId))!;
    await rec.until(() => sent.length === chunks.length, 2000, 'audio.sent');
    expect(Buffer.concat(sent.map((s) => s.data)).equals(played)).toBe(true);
    sent.forEach((s, i) => {
      expect(s.headers[AudioHeader.seq]).toBe(i);
      expect(s.headers[AudioHeader.turn]).toBe(0);
      expect(s.headers[AudioHeader.segment]).toBe(i < 8 ? 0 : 1);
      expect(s.headers[AudioHeader.sampleRate]).toBe(8000);
      if (i > 0)
        expect(s.headers[AudioHeader.timelineMs]! - sent[i - 1]!.headers[AudioHeader.timelineMs]!).toBeCloseTo(100, 3);
    });

    // audio.in has exactly the caller's PCM with sample-accurate timeline positions.
    const audioIn = rec.audio.get(subjects.audioIn(callId))!;
    await rec.until(() => audioIn.length === caller.length, 2000, 'audio.in');
    expect(Buffer.concat(audioIn.map((a) => a.data)).equals(Buffer.concat(caller))).toBe(true);
    audioIn.forEach((a, i) =>
      expect(a.headers).toMatchObject({
        [AudioHeader.seq]: i,
        [AudioHeader.timelineMs]: i * 100,
        [AudioHeader.sampleRate]: 8000,
      }),
    );

    client.stop('callended');
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    expect(rec.of('call.ended')[0]).toMatchObject({ reason: 'caller-hangup', detail: 'callended' });
    await client.until(() => client.closed !== undefined, 3000, 'socket close');
    rec.stop();
  });

  it("copies the TTS provider time of a turn's first audio into playback.started", async () => {
    const { client, rec } = await newCall(8000);
    const callId = client.callSid;
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    const pcm = sineTone(440, 300, 8000, 0.3);
    const headers = { [AudioHeader.turn]: 0, [AudioHeader.segment]: 0 };
    bus.publishAudio(subjects.audioOut(callId), pcm.subarray(0, 3200), {
      ...headers,
      [AudioHeader.seq]: 0,
      [AudioHeader.providerMs]: 212.5,
    });
    bus.publishAudio(subjects.audioOut(callId), pcm.subarray(3200), { ...headers, [AudioHeader.seq]: 1 });
    bus.publishAudio(subjects.audioOut(callId), new Uint8Array(0), {
      ...headers,
      [AudioHeader.seq]: 2,
      [AudioHeader.last]: 1,
    });
    await rec.until(() => rec.of('playback.started').length === 1, 5000, 'playback.started');
    expect(rec.of('playback.started')[0]).toMatchObject({ turn: 0, ttsProviderMs: 212.5 });
    client.stop('callended');
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    rec.stop();
  });

  it('a malformed frame is counted and dropped without ending the call; a socket closed without stop ends it', async () => {
    const { client, rec } = await newCall(16000);
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    expect(rec.of('call.started')[0]!.call.sampleRate).toBe(16000);
    client.send('{not json');
    client.send({
      event: 'media',
      sequence_number: '3',
      stream_sid: client.streamSid,
      media: { payload: '!!!notbase64' },
    });
    client.send({
      event: 'media',
      sequence_number: '3',
      stream_sid: 'ffffffffffffffffffffffffffffffff',
      media: { payload: Buffer.alloc(3200, 9).toString('base64') },
    });
    client.send({ event: 'teleport', x: 1 });
    client.send({ event: 'dtmf', sequence_number: '9', stream_sid: client.streamSid, dtmf: { digit: 'A' } });
    const frame = sineTone(500, 100, 16000);
    client.media(frame, { skipSequence: 2 });
    client.send({
      event: 'dtmf',
      sequence_number: '99',
      stream_sid: client.streamSid,
      dtmf: { digit: '5', duration: '100' },
    });
    const audioIn = rec.audio.get(subjects.audioIn(client.callSid))!;
    await rec.until(
      () => audioIn.length === 1 && rec.of('control.dtmf').length === 1,
      3000,
      'audio after malformed frames',
    );
    expect(audioIn[0]!.data.equals(frame)).toBe(true);
    expect(rec.of('control.dtmf')[0]).toMatchObject({ digit: '5', durationMs: 100 });
    expect(rec.of('call.ended')).toHaveLength(0);
    expect(client.closed).toBeUndefined();
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.port}/metrics`)).text();
    expect(metrics).toMatch(/audexly_gateway_malformed_frames_total\{reason="invalid-json"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/audexly_gateway_malformed_frames_total\{reason="foreign-stream"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/audexly_gateway_lost_frames_total\{[^}]*\} [1-9]/);
    // `teleport` is an unknown event; its `x` an unknown key: both ignored and counted.
    expect(metrics).toMatch(/audexly_gateway_unknown_events_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/audexly_gateway_unknown_keys_total\{[^}]*\} [1-9]/);

    client.ws.terminate();
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    expect(rec.of('call.ended')[0]!.reason).toBe('socket-closed');
    rec.stop();
  });

  it('when a stage cannot be claimed, the caller hears the apology, then the call ends cleanly with no-capacity', async () => {
    const { client, rec } = await newCall(16000, { scenario: 'nocap' });
    await client.until(() => client.closed !== undefined, 5000, 'socket close');
    expect(client.closed!.code).toBe(1000);
    // The apology at the call's rate, padded to Exotel's 320-byte frames, then its mark.
    const heard = Buffer.concat(client.mediaChunks());
    expect(heard.subarray(0, apology.get(16000)!.byteLength).equals(apology.get(16000)!)).toBe(true);
    expect(client.received.at(-1)?.event).toBe('mark');
    expect(rec.audio.get(subjects.audioSent(client.callSid))).toHaveLength(0);
    await rec.until(() => rec.of('call.ended').length === 1 && rec.of('error').length === 1, 3000, 'call.ended');
    expect(rec.of('call.ended')[0]!.reason).toBe('no-capacity');
    expect(rec.of('error')[0]).toMatchObject({ code: ErrorCode.noCapacity, stage: 'gateway' });
    expect(rec.of('call.started')).toHaveLength(0);
    rec.stop();
  });

  it('control.interrupt sends clear and drops queued audio; control.hangup closes once the turn was heard', async () => {
    const { client, rec } = await newCall(8000);
    const callId = client.callSid;
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    publishAgentAudio(callId, 1, 0, sineTone(440, 400, 8000), [3200]);
    publishAgentAudio(callId, 1, 1, sineTone(440, 3000, 8000), [48_000]);
    await rec.until(() => rec.of('playback.segment-played').length === 1, 3000, 'first segment heard');
    bus.publishEvent('control', {
      type: 'control.interrupt',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 0,
      turn: 1,
      reason: 'barge-in',
    });
    await client.until(() => client.received.some((m) => m.event === 'clear'), 3000, 'clear');
    await rec.until(() => rec.of('playback.interrupted').length === 1, 3000, 'playback.interrupted');
    expect(rec.of('playback.interrupted')[0]).toMatchObject({ turn: 1, heardSegments: [0] });
    const afterClear = client.received.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(client.received.length).toBe(afterClear);
    // 3 s of segment 1 was queued; at most the lead (plus a chunk) went out before the clear.
    const seg1Bytes = client
      .mediaChunks()
      .slice(4)
      .reduce((n, c) => n + c.byteLength, 0);
    expect(seg1Bytes).toBeLessThan(3000 * 16);

    // Next turn, then hang up after it.
    publishAgentAudio(callId, 2, 0, sineTone(330, 300, 8000), [4800]);
    bus.publishEvent('control', {
      type: 'control.hangup',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 0,
      reason: 'goodbye',
      afterTurn: 2,
    });
    await client.until(() => client.closed !== undefined, 5000, 'socket close');
    expect(client.closed!.code).toBe(1000);
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    expect(rec.of('call.ended')[0]!.reason).toBe('agent-hangup');
    expect(rec.of('playback.segment-played').map((e) => `${e.turn}:${e.segment}`)).toEqual(['1:0', '2:0']);
    rec.stop();
  });
});

describe('gateway barge-in and bad starts', () => {
  it('when the caller starts speaking over the agent, the gateway sends clear and announces the interruption', async () => {
    const { client, rec } = await newCall(8000);
    const callId = client.callSid;
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    publishAgentAudio(callId, 3, 0, sineTone(440, 2000, 8000), [32_000]);
    await client.until(() => client.mediaChunks().length >= 2, 3000, 'agent audio');
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 0,
      utterance: 4,
      speechStartMs: 0,
    });
    await client.until(() => client.received.some((m) => m.event === 'clear'), 3000, 'clear');
    await rec.until(
      () => rec.of('control.interrupt').length === 1 && rec.of('playback.interrupted').length === 1,
      3000,
      'interrupt events',
    );
    expect(rec.of('control.interrupt')[0]).toMatchObject({ turn: 3, reason: 'barge-in' });
    expect(rec.of('playback.interrupted')).toEqual([expect.objectContaining({ turn: 3, heardSegments: [] })]);
    // Late audio of the interrupted turn is not played.
    const before = client.mediaChunks().length;
    publishAgentAudio(callId, 3, 1, sineTone(440, 500, 8000), [8000]);
    await new Promise((r) => setTimeout(r, 300));
    expect(client.mediaChunks().length).toBe(before);
    client.stop('stopped');
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    expect(rec.of('call.ended')[0]!.reason).toBe('stopped');
    rec.stop();
  });

  it('when the caller speaks between two sentences of the agent (nothing playing, more to come), it is still a barge-in', async () => {
    const { client, rec } = await newCall(8000);
    const callId = client.callSid;
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    publishAgentAudio(callId, 3, 0, sineTone(440, 300, 8000), [4800]);
    await rec.until(() => rec.of('playback.segment-played').length === 1, 5000, 'first sentence heard');
    // Long enough for the gateway's model of Exotel's buffer to have played it all out.
    await new Promise((r) => setTimeout(r, 600));
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 0,
      utterance: 4,
      speechStartMs: 0,
    });
    await rec.until(() => rec.of('playback.interrupted').length === 1, 3000, 'interrupted');
    expect(rec.of('control.interrupt')[0]).toMatchObject({ turn: 3, reason: 'barge-in' });
    expect(rec.of('playback.interrupted')[0]).toMatchObject({ turn: 3, heardSegments: [0] });
    client.stop('stopped');
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    rec.stop();
  });

  it('when the agent finished its turn and the caller speaks, nothing is interrupted', async () => {
    const { client, rec } = await newCall(8000);
    const callId = client.callSid;
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    publishAgentAudio(callId, 3, 0, sineTone(440, 300, 8000), [4800]);
    bus.publishEvent('reply', {
      type: 'reply.done',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 0,
      turn: 3,
      segments: 1,
      text: 'Hello.',
      providerFirstTokenMs: null,
      usage: null,
    });
    await rec.until(() => rec.of('playback.segment-played').length === 1, 5000, 'the turn heard');
    await new Promise((r) => setTimeout(r, 600));
    bus.publishEvent('speech', {
      type: 'speech.started',
      v: PROTOCOL_VERSION,
      callId,
      timelineMs: 0,
      utterance: 4,
      speechStartMs: 0,
    });
    // Time for the gateway to act on it, if it (wrongly) would.
    await new Promise((r) => setTimeout(r, 300));
    client.stop('stopped');
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    expect(rec.of('control.interrupt')).toEqual([]);
    expect(client.received.some((m) => m.event === 'clear')).toBe(false);
    rec.stop();
  });

  it('when the agent turns barge-in off, caller speech over it interrupts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const agentFile = join(dir, 'agent.json');
    writeFileSync(
      agentFile,
      JSON.stringify({ id: 'no-barge', name: 'Patient', prompt: 'Let the agent finish.', turn: { bargeIn: false } }),
    );
    const own = await startGateway({ ...env, AGENT_FILE: agentFile }, silent, { claimSubject: subjectFor });
    const client = await ExotelTestClient.connect(url(own));
    const rec = new BusRecorder(bus, client.callSid);
    await rec.start(['lifecycle', 'control', 'playback'], []);
    client.start();
    try {
      const callId = client.callSid;
      await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
      publishAgentAudio(callId, 3, 0, sineTone(440, 1500, 8000), [24_000]);
      await client.until(() => client.mediaChunks().length >= 2, 3000, 'agent audio');
      bus.publishEvent('speech', {
        type: 'speech.started',
        v: PROTOCOL_VERSION,
        callId,
        timelineMs: 0,
        utterance: 4,
        speechStartMs: 0,
      });
      await rec.until(() => rec.of('playback.segment-played').length === 1, 5000, 'the whole segment played');
      expect(client.received.some((m) => m.event === 'clear')).toBe(false);
      expect(rec.of('control.interrupt')).toEqual([]);
      client.stop('stopped');
      await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    } finally {
      rec.stop();
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops start frames without a usable call_sid and still accepts a proper start', async () => {
    const client = await ExotelTestClient.connect(url(gateway));
    client.send({ event: 'connected' });
    client.send({
      event: 'start',
      sequence_number: 1,
      stream_sid: client.streamSid,
      start: { stream_sid: client.streamSid },
    });
    client.send({
      event: 'start',
      sequence_number: 1,
      stream_sid: client.streamSid,
      start: { stream_sid: client.streamSid, call_sid: '   ' },
    });
    client.start();
    const rec = new BusRecorder(bus, client.callSid);
    await rec.start(['lifecycle'], []);
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started after the bad starts were dropped');
    client.ws.close(1000);
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    rec.stop();
  });
});

describe('gateway drain', () => {
  it('answers 503 and refuses new calls while draining, then ends live calls with shutdown', async () => {
    const own = await startGateway({ ...env, DRAIN_TIMEOUT_MS: '600' }, silent, { claimSubject: subjectFor });
    const client = await ExotelTestClient.connect(url(own));
    const rec = new BusRecorder(bus, client.callSid);
    await rec.start(['lifecycle'], []);
    client.start();
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    const stopping = own.stop();
    const health = await fetch(`http://127.0.0.1:${own.port}/api/v1/health`);
    expect(health.status).toBe(503);
    await expect(ExotelTestClient.connect(url(own))).rejects.toThrow('503');
    expect(rec.of('call.ended')).toHaveLength(0);
    await stopping;
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    expect(rec.of('call.ended')[0]!.reason).toBe('shutdown');
    await client.until(() => client.closed !== undefined, 3000, 'socket close');
    rec.stop();
  });
});
