/**
 * The Exotel edge against real NATS: authentication before the upgrade, limits, the dynamic URL
 * with the agent chosen by the dialled number, DTMF collection, frame-loss accounting, transfer
 * and its Connect target, Passthru outcomes, and draining.
 */
import { createHmac, hkdfSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sineTone } from '@audexly/audio';
import {
  AudioHeader,
  PROTOCOL_VERSION,
  STAGES,
  agentConfigSchema,
  numberKey,
  outboundBindingKey,
  signOutboundStreamToken,
  subjects,
  toCallId,
  type Stage,
} from '@audexly/protocol';
import { BUCKETS, ClaimServer, connectBus, openBucket, type Bus } from '@audexly/bus';
import { simulateCall } from '@audexly/simulator';
import { createLogger } from '@audexly/telemetry';
import { OLD_OUTBOUND_TOKEN_REASON } from './auth/edge-auth.js';
import { startGateway, type RunningGateway } from './service.js';
import { BusRecorder } from './test/bus-recorder.js';
import { ExotelTestClient } from './test/exotel-client.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const silent = createLogger({ service: 'gateway-edge-test', level: 'silent' });
const prefix = `test.gwedge.${randomUUID()}`;
const subjectFor = (stage: Stage) => `${prefix}.${stage}`;

const BASIC = 'exotel:pa55-w0rd-never-logged';
const STATIC_TOKEN = `static-${randomBytes(12).toString('hex')}`;
const SECRET = `secret-${randomBytes(16).toString('hex')}`;
/** Everything the gateway logs, to prove credentials never appear. */
const logLines: string[] = [];
const capture = createLogger({
  service: 'gateway-edge-test',
  level: 'debug',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
});

const baseEnv = {
  NATS_URL,
  GATEWAY_PORT: '0',
  GATEWAY_HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  DRAIN_TIMEOUT_MS: '500',
  HANGUP_TIMEOUT_MS: '3000',
};
const authEnv = {
  ...baseEnv,
  EXOTEL_STREAM_BASIC_AUTH: BASIC,
  EXOTEL_STREAM_TOKEN: STATIC_TOKEN,
  AUDEXLY_SECRET_KEY: SECRET,
  PUBLIC_URL: 'https://gw.example.com',
};

let bus: Bus;
let stages: ClaimServer[];
let gateway: RunningGateway;
const basicHeader = (userPass = BASIC) => ({ Authorization: `Basic ${Buffer.from(userPass).toString('base64')}` });
const http = (g: RunningGateway) => `http://127.0.0.1:${g.port}`;
const streamUrl = (g: RunningGateway, suffix = '') =>
  `ws://127.0.0.1:${g.port}/api/v1/telephony/exotel/stream${suffix}`;

/** A unique Indian number, its agent in KV `agents`, and the mapping in KV `numbers`. */
async function storeAgent(
  overrides: Record<string, unknown> = {},
): Promise<{ number: string; agentId: string; cleanup: () => Promise<void> }> {
  const number = `+9180${String(randomInt(1e8)).padStart(8, '0')}`;
  const agentId = `agent-${randomUUID()}`;
  const agents = await openBucket(bus, BUCKETS.agents);
  const numbers = await openBucket(bus, BUCKETS.numbers);
  await agents.put(
    agentId,
    JSON.stringify(
      agentConfigSchema.parse({ id: agentId, name: 'Edge test agent', prompt: 'Be brief.', ...overrides }),
    ),
  );
  await numbers.put(
    numberKey(number),
    JSON.stringify({ number, agentId, telephonyConfigId: null, createdAt: Date.now() }),
  );
  return {
    number,
    agentId,
    cleanup: async () => {
      await numbers.delete(numberKey(number));
      await agents.delete(agentId);
    },
  };
}

async function call(
  g: RunningGateway,
  options: { url?: string; headers?: Record<string, string>; callSid?: string; rate?: number; to?: string } = {},
) {
  const client = await ExotelTestClient.connect(options.url ?? streamUrl(g, `/${STATIC_TOKEN}`), {
    headers: options.headers,
    callSid: options.callSid,
  });
  const rec = new BusRecorder(bus, client.callSid);
  await rec.start(['lifecycle', 'playback', 'control', 'error'], [subjects.audioIn(client.callSid)]);
  client.start({ sampleRate: options.rate ?? 8000, to: options.to });
  return { client, rec };
}

beforeAll(async () => {
  bus = await connectBus({ servers: NATS_URL, name: 'gateway-edge-test', log: silent });
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
  gateway = await startGateway(authEnv, capture, { claimSubject: subjectFor, noCapacityAudio: null });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all((stages ?? []).map((s) => s.stop()));
  await bus?.drain();
});

describe('authentication before the upgrade', () => {
  it('answers 401 and never upgrades without credentials, with wrong Basic, or with a guessed token', async () => {
    await expect(ExotelTestClient.connect(streamUrl(gateway))).rejects.toThrow('HTTP 401');
    await expect(
      ExotelTestClient.connect(streamUrl(gateway), { headers: basicHeader('exotel:wrong') }),
    ).rejects.toThrow('HTTP 401');
    await expect(ExotelTestClient.connect(streamUrl(gateway, '/not-the-token'))).rejects.toThrow('HTTP 401');
    await expect(ExotelTestClient.connect(streamUrl(gateway, '?token=not-the-token'))).rejects.toThrow('HTTP 401');
    expect(gateway.activeCalls).toBe(0);
    const metrics = await (await fetch(`${http(gateway)}/metrics`)).text();
    expect(metrics).toMatch(/audexly_gateway_refused_upgrades_total\{status="401"[^}]*\} [4-9]/);
  });

  it('accepts Basic credentials, the static token in the path or ?token=', async () => {
    for (const [url, headers] of [
      [streamUrl(gateway), basicHeader()],
      [streamUrl(gateway, `/${STATIC_TOKEN}`), undefined],
      [streamUrl(gateway, `?token=${STATIC_TOKEN}&sample-rate=8000`), undefined],
    ] as const) {
      const { client, rec } = await call(gateway, { url, headers });
      await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
      client.stop();
      await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
      rec.stop();
    }
  });

  it('answers 403 to an address outside EXOTEL_IP_ALLOWLIST, trusting X-Forwarded-For only behind a proxy', async () => {
    const direct = await startGateway({ ...baseEnv, EXOTEL_IP_ALLOWLIST: '192.0.2.0/24' }, silent, {
      claimSubject: subjectFor,
      noCapacityAudio: null,
    });
    const proxied = await startGateway(
      { ...baseEnv, EXOTEL_IP_ALLOWLIST: '192.0.2.0/24', TRUST_PROXY: 'true' },
      silent,
      { claimSubject: subjectFor, noCapacityAudio: null },
    );
    try {
      const xff = { 'X-Forwarded-For': '192.0.2.44' };
      await expect(ExotelTestClient.connect(streamUrl(direct))).rejects.toThrow('HTTP 403');
      await expect(ExotelTestClient.connect(streamUrl(direct), { headers: xff })).rejects.toThrow('HTTP 403');
      expect((await fetch(`${http(direct)}/api/v1/telephony/exotel/voicebot-url?CallSid=x`)).status).toBe(403);
      const ok = await ExotelTestClient.connect(streamUrl(proxied), { headers: xff });
      ok.ws.close(1000);
    } finally {
      await direct.stop();
      await proxied.stop();
    }
  });

  it('never logs credentials', () => {
    const all = logLines.join('');
    expect(all).toContain('refused a stream upgrade');
    for (const secret of [BASIC, 'pa55-w0rd-never-logged', Buffer.from(BASIC).toString('base64'), STATIC_TOKEN, SECRET])
      expect(all).not.toContain(secret);
  });
});

describe('dynamic Voicebot URL', () => {
  it("answers a wss URL on PUBLIC_URL's host with a per-call token and the rate of the agent chosen by the dialled number", async () => {
    const stored = await storeAgent({ sampleRate: 16000, greeting: 'Hello from the edge test.' });
    try {
      const callSid = randomBytes(16).toString('hex');
      const national = `0${stored.number.slice(3)}`;
      const res = await fetch(
        `${http(gateway)}/api/v1/telephony/exotel/voicebot-url?CallSid=${callSid}&CallFrom=09876543210&CallTo=${national}&Direction=incoming&token=${STATIC_TOKEN}`,
      );
      expect(res.status).toBe(200);
      const { url } = (await res.json()) as { url: string };
      const parsed = new URL(url);
      expect(parsed.protocol).toBe('wss:');
      expect(parsed.host).toBe('gw.example.com');
      expect(parsed.searchParams.get('sample-rate')).toBe('16000');
      expect(parsed.pathname).toMatch(/^\/api\/v1\/telephony\/exotel\/stream\/c1\.[^/]+$/);

      // Exotel connects to it (here: the same path and query on the local port).
      const { client, rec } = await call(gateway, {
        url: streamUrl(gateway, `${parsed.pathname.slice('/api/v1/telephony/exotel/stream'.length)}${parsed.search}`),
        callSid,
        rate: 16000,
        to: national,
      });
      await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
      expect(rec.of('call.started')[0]!.call).toMatchObject({
        sampleRate: 16000,
        agent: { id: stored.agentId, greeting: 'Hello from the edge test.', sampleRate: 16000 },
      });
      client.stop();
      await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
      rec.stop();

      // The same token cannot open a call with another CallSid.
      const other = await call(gateway, {
        url: streamUrl(gateway, `${parsed.pathname.slice('/api/v1/telephony/exotel/stream'.length)}`),
      });
      await other.client.until(() => other.client.closed !== undefined, 3000, 'close');
      expect(other.client.closed!.code).toBe(1008);
      expect(other.rec.of('call.started')).toHaveLength(0);
      other.rec.stop();
    } finally {
      await stored.cleanup();
    }
  });

  it('falls back to the default agent for an unknown number, accepts a form POST, and requires credentials', async () => {
    const body = new URLSearchParams({
      CallSid: randomBytes(16).toString('hex'),
      From: '09876543210',
      To: '08000000001',
    });
    const res = await fetch(`${http(gateway)}/api/v1/telephony/exotel/voicebot-url`, {
      method: 'POST',
      headers: { ...basicHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.status).toBe(200);
    expect(new URL(((await res.json()) as { url: string }).url).searchParams.get('sample-rate')).toBe('8000');
    expect((await fetch(`${http(gateway)}/api/v1/telephony/exotel/voicebot-url?CallSid=abc`)).status).toBe(401);
    expect(
      (await fetch(`${http(gateway)}/api/v1/telephony/exotel/voicebot-url/${STATIC_TOKEN}?CallSid=abc`)).status,
    ).toBe(200);
  });

  it("takes the agent named by the api's outbound token, for the one call the api placed with it", async () => {
    const stored = await storeAgent();
    const outbound = await openBucket(bus, BUCKETS.outbound);
    const ref = `ob_${randomBytes(8).toString('hex')}`;
    const callSid = randomBytes(16).toString('hex');
    const expiresAt = Date.now() + 300_000;
    const token = signOutboundStreamToken(SECRET, { agentId: stored.agentId, ref, expiresAt });
    try {
      // What the api records once Exotel has accepted the call.
      await outbound.put(outboundBindingKey(ref), JSON.stringify({ callSid, expiresAt }));
      const { client, rec } = await call(gateway, { url: streamUrl(gateway, `/${token}?sample-rate=8000`), callSid });
      await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
      expect(rec.of('call.started')[0]!.call).toMatchObject({
        direction: 'outbound',
        callSid,
        agent: { id: stored.agentId },
      });
      client.stop();
      await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
      rec.stop();

      // A leaked StreamUrl does not admit another call.
      const other = await call(gateway, { url: streamUrl(gateway, `/${token}?sample-rate=8000`) });
      await other.client.until(() => other.client.closed !== undefined, 3000, 'close');
      expect(other.client.closed!.code).toBe(1008);
      expect(other.rec.of('call.started')).toHaveLength(0);
      other.rec.stop();

      // Nor the telephony endpoints (which would mint per-call tokens for any CallSid).
      expect(
        (await fetch(`${http(gateway)}/api/v1/telephony/exotel/voicebot-url?CallSid=${callSid}&token=${token}`)).status,
      ).toBe(403);
      expect(
        (await fetch(`${http(gateway)}/api/v1/telephony/exotel/transfer-target?CallSid=${callSid}&token=${token}`))
          .status,
      ).toBe(403);
    } finally {
      await outbound.purge(outboundBindingKey(ref));
      await stored.cleanup();
    }
  });

  it('refuses an expired outbound token, and one of the old format with a log line that says why (without the token)', async () => {
    const stored = await storeAgent();
    const outbound = await openBucket(bus, BUCKETS.outbound);
    const ref = `ob_${randomBytes(8).toString('hex')}`;
    const expiresAt = Date.now() - 1000;
    try {
      await outbound.put(
        outboundBindingKey(ref),
        JSON.stringify({ callSid: randomBytes(16).toString('hex'), expiresAt }),
      );
      const expired = signOutboundStreamToken(SECRET, { agentId: stored.agentId, ref, expiresAt });
      await expect(ExotelTestClient.connect(streamUrl(gateway, `/${expired}`))).rejects.toThrow('HTTP 401');
      const key = Buffer.from(hkdfSync('sha256', SECRET, 'audexly', 'capability-token', 32));
      const old = `${stored.agentId}.${createHmac('sha256', key).update(`stream:${stored.agentId}`).digest().subarray(0, 18).toString('base64url')}`;
      await expect(ExotelTestClient.connect(streamUrl(gateway, `/${old}?sample-rate=8000`))).rejects.toThrow(
        'HTTP 401',
      );
      const all = logLines.join('');
      expect(all).toContain(OLD_OUTBOUND_TOKEN_REASON);
      expect(all).toContain('outbound token expired');
      for (const secret of [expired, old, old.split('.')[1]!, expired.split('.')[4]!])
        expect(all).not.toContain(secret);
    } finally {
      await outbound.purge(outboundBindingKey(ref));
      await stored.cleanup();
    }
  });

  it('picks the agent by start.to on a static URL too', async () => {
    const stored = await storeAgent();
    try {
      const { client, rec } = await call(gateway, { to: stored.number });
      await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
      expect(rec.of('call.started')[0]!.call.agent.id).toBe(stored.agentId);
      client.stop();
      await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
      rec.stop();
    } finally {
      await stored.cleanup();
    }
  });
});

describe('limits', () => {
  it('closes a connection sending a frame over 64 KiB with 1009; a concurrent call is unaffected', async () => {
    const bystander = await call(gateway);
    const bad = await call(gateway);
    await bad.rec.until(() => bad.rec.of('call.started').length === 1, 5000, 'call.started');
    bad.client.send({ event: 'media', stream_sid: bad.client.streamSid, media: { payload: 'A'.repeat(70 * 1024) } });
    await bad.client.until(() => bad.client.closed !== undefined, 3000, 'close');
    expect(bad.client.closed!.code).toBe(1009);
    await bad.rec.until(() => bad.rec.of('call.ended').length === 1, 3000, 'call.ended');
    bystander.client.media(sineTone(400, 100, 8000));
    const audioIn = bystander.rec.audio.get(subjects.audioIn(bystander.client.callSid))!;
    await bystander.rec.until(() => audioIn.length === 1, 3000, 'bystander audio');
    expect(bystander.client.closed).toBeUndefined();
    bystander.client.stop();
    bad.rec.stop();
    bystander.rec.stop();
  });

  it('closes a connection flooding messages with 1008; a concurrent call is unaffected', async () => {
    const bystander = await call(gateway);
    const bad = await call(gateway);
    await bad.rec.until(() => bad.rec.of('call.started').length === 1, 5000, 'call.started');
    for (let i = 0; i < 200; i++) bad.client.send({ event: 'teleport', i });
    await bad.client.until(() => bad.client.closed !== undefined, 3000, 'close');
    expect(bad.client.closed!.code).toBe(1008);
    bystander.client.media(sineTone(400, 100, 8000));
    const audioIn = bystander.rec.audio.get(subjects.audioIn(bystander.client.callSid))!;
    await bystander.rec.until(() => audioIn.length === 1, 3000, 'bystander audio');
    expect(bystander.client.closed).toBeUndefined();
    const metrics = await (await fetch(`${http(gateway)}/metrics`)).text();
    expect(metrics).toMatch(/audexly_gateway_limit_closes_total\{limit="message-rate"[^}]*\} 1/);
    bystander.client.stop();
    bad.rec.stop();
    bystander.rec.stop();
  });

  it('closes calls over MAX_CALLS with 1013 (try again later)', async () => {
    const small = await startGateway({ ...baseEnv, MAX_CALLS: '1' }, silent, {
      claimSubject: subjectFor,
      noCapacityAudio: null,
    });
    try {
      const first = await call(small, { url: streamUrl(small) });
      await first.rec.until(() => first.rec.of('call.started').length === 1, 5000, 'call.started');
      const second = await ExotelTestClient.connect(streamUrl(small));
      await second.until(() => second.closed !== undefined, 3000, 'close');
      expect(second.closed!.code).toBe(1013);
      expect(first.client.closed).toBeUndefined();
      first.client.stop();
      await first.rec.until(() => first.rec.of('call.ended').length === 1, 3000, 'call.ended');
      first.rec.stop();
    } finally {
      await small.stop();
    }
  });
});

describe('call control', () => {
  it('collects DTMF digits until the terminator into one control.dtmf-input, and reports lost frames in call.ended', async () => {
    const { client, rec } = await call(gateway);
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    client.media(sineTone(400, 100, 8000));
    client.media(sineTone(400, 100, 8000), { skipSequence: 3 });
    for (const d of ['4', '2', '#']) client.dtmf(d);
    await rec.until(() => rec.of('control.dtmf-input').length === 1, 3000, 'dtmf input');
    expect(rec.of('control.dtmf').map((e) => e.digit)).toEqual(['4', '2', '#']);
    expect(rec.of('control.dtmf-input')[0]).toMatchObject({ digits: '42', reason: 'terminator' });
    client.stop();
    await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
    expect(rec.of('call.ended')[0]).toMatchObject({ reason: 'caller-hangup', lostFrames: 3, reorderedFrames: 0 });
    rec.stop();
  });

  it("transfers after the goodbye is heard: the decision goes to KV, the socket closes, the Connect applet gets the agent's number", async () => {
    const stored = await storeAgent({ tools: { transferNumber: '+919000000001' } });
    try {
      const { client, rec } = await call(gateway, { to: stored.number });
      const callId = client.callSid;
      await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
      const goodbye = sineTone(440, 300, 8000);
      bus.publishAudio(subjects.audioOut(callId), goodbye, {
        [AudioHeader.turn]: 1,
        [AudioHeader.segment]: 0,
        [AudioHeader.seq]: 0,
      });
      bus.publishAudio(subjects.audioOut(callId), new Uint8Array(0), {
        [AudioHeader.turn]: 1,
        [AudioHeader.segment]: 0,
        [AudioHeader.seq]: 1,
        [AudioHeader.last]: 1,
      });
      // The model asks for another number: only the agent's configured one is ever dialled.
      bus.publishEvent('control', {
        type: 'control.transfer',
        v: PROTOCOL_VERSION,
        callId,
        timelineMs: 0,
        to: '+911111111111',
        reason: 'wants a human',
        afterTurn: 1,
      });
      await client.until(() => client.closed !== undefined, 5000, 'close');
      expect(client.closed!.code).toBe(1000);
      expect(Buffer.concat(client.mediaChunks()).subarray(0, goodbye.byteLength).equals(goodbye)).toBe(true);
      await rec.until(() => rec.of('call.ended').length === 1, 3000, 'call.ended');
      expect(rec.of('call.ended')[0]).toMatchObject({ reason: 'transfer', detail: 'wants a human' });

      const res = await fetch(
        `${http(gateway)}/api/v1/telephony/exotel/transfer-target?CallSid=${client.callSid}&CallFrom=09876543210&token=${STATIC_TOKEN}`,
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        fetch_after_attempt: false,
        destination: { numbers: ['+919000000001'] },
        record: true,
        recording_channels: 'dual',
        max_ringing_duration: 45,
        max_conversation_duration: 3600,
        music_on_hold: { type: 'operator_tone' },
      });
      const unknown = await fetch(
        `${http(gateway)}/api/v1/telephony/exotel/transfer-target?CallSid=${randomBytes(16).toString('hex')}`,
        { headers: basicHeader() },
      );
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: 'no transfer for this call' });
      expect(
        (await fetch(`${http(gateway)}/api/v1/telephony/exotel/transfer-target?CallSid=${client.callSid}`)).status,
      ).toBe(401);
      rec.stop();
    } finally {
      await stored.cleanup();
    }
  });

  it('stores the Passthru stream outcome (bracketed GET and JSON Stream= POST) in KV passthru by call id', async () => {
    const kv = await openBucket(bus, BUCKETS.passthru);
    const sidA = randomBytes(16).toString('hex');
    const query = new URLSearchParams({
      CallSid: sidA,
      'Stream[StreamSID]': 'aa',
      'Stream[Status]': 'completed',
      'Stream[Duration]': '28',
      'Stream[DisconnectedBy]': 'bot',
      'Stream[RecordingUrl]': 'https://r.example/x.mp3',
      token: STATIC_TOKEN,
    });
    const a = await fetch(`${http(gateway)}/api/v1/telephony/exotel/passthru?${query.toString()}`);
    expect(a.status).toBe(200);
    expect((await kv.get(toCallId(sidA)))?.json()).toMatchObject({
      status: 'completed',
      durationS: 28,
      disconnectedBy: 'bot',
      recordingUrl: 'https://r.example/x.mp3',
      streamSid: 'aa',
      receivedAt: expect.any(Number),
    });

    const sidB = randomBytes(16).toString('hex');
    const form = new URLSearchParams({
      CallSid: sidB,
      Stream: JSON.stringify({ StreamSID: 'bb', Status: 'completed', Duration: '7', DisconnectedBy: 'user' }),
    });
    const b = await fetch(`${http(gateway)}/api/v1/telephony/exotel/passthru/${STATIC_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(b.status).toBe(200);
    expect((await kv.get(toCallId(sidB)))?.json()).toEqual({
      status: 'completed',
      durationS: 7,
      disconnectedBy: 'user',
      recordingUrl: null,
      streamSid: 'bb',
      receivedAt: expect.any(Number),
    });

    expect((await fetch(`${http(gateway)}/api/v1/telephony/exotel/passthru?CallSid=${sidA}`)).status).toBe(401);
    await kv.delete(toCallId(sidA));
    await kv.delete(toCallId(sidB));
  });
});

describe('greeting latency', () => {
  it('plays the greeting a TTS sends at call start to the caller, whole (simulated Exotel caller)', async () => {
    // A stand-in TTS with a greeting cache: greeting audio as soon as call.started is out (for this
    // test's call only: other test files' calls run on the same NATS).
    const marker = randomUUID();
    const lifecycle = bus.nc.subscribe('call.*.lifecycle', {
      callback: (_err, msg) => {
        const event = JSON.parse(msg.string()) as {
          type: string;
          callId: string;
          call?: { sampleRate: number; customParameters: Record<string, string> };
        };
        if (event.type !== 'call.started' || event.call?.customParameters.greetingTest !== marker) return;
        const greeting = sineTone(500, 600, event.call.sampleRate);
        bus.publishAudio(subjects.audioOut(event.callId), greeting, {
          [AudioHeader.turn]: 0,
          [AudioHeader.segment]: 0,
          [AudioHeader.seq]: 0,
          [AudioHeader.sampleRate]: event.call.sampleRate,
        });
        bus.publishAudio(subjects.audioOut(event.callId), new Uint8Array(0), {
          [AudioHeader.turn]: 0,
          [AudioHeader.segment]: 0,
          [AudioHeader.seq]: 1,
          [AudioHeader.last]: 1,
        });
      },
    });
    try {
      const result = await simulateCall({
        url: streamUrl(gateway, `/${STATIC_TOKEN}`),
        sampleRate: 16000,
        quietMs: 300,
        greetingTimeoutMs: 5000,
        customParameters: { greetingTest: marker },
      });
      // Timing goals belong in benchmarks: the latency is reported here, not asserted.
      console.log(`greeting latency (start sent → first agent audio at the caller): ${result.greetingLatencyMs} ms`);
      expect(result.violations).toEqual([]);
      expect(result.greetingLatencyMs).not.toBeNull();
      expect(result.greetingAudioMs).toBeGreaterThanOrEqual(600);
    } finally {
      lifecycle.unsubscribe();
    }
  });
});

describe('drain', () => {
  it('keeps live calls going while draining and finishes as soon as the last one ends', async () => {
    // A drain deadline far beyond the test's timeout: the drain can only finish because the call ended.
    const own = await startGateway({ ...baseEnv, DRAIN_TIMEOUT_MS: '600000' }, silent, {
      claimSubject: subjectFor,
      noCapacityAudio: null,
    });
    const { client, rec } = await call(own, { url: streamUrl(own) });
    await rec.until(() => rec.of('call.started').length === 1, 5000, 'call.started');
    let stopped = false;
    const stopping = own.stop().then(() => (stopped = true));
    expect((await fetch(`${http(own)}/api/v1/health`)).status).toBe(503);
    expect((await fetch(`${http(own)}/api/v1/telephony/exotel/voicebot-url?CallSid=x`)).status).toBe(503);
    await expect(ExotelTestClient.connect(streamUrl(own))).rejects.toThrow('503');
    // The live call still carries audio.
    client.media(sineTone(400, 100, 8000));
    const audioIn = rec.audio.get(subjects.audioIn(client.callSid))!;
    await rec.until(() => audioIn.length === 1, 3000, 'audio during drain');
    expect(stopped).toBe(false);
    client.stop();
    await stopping;
    expect(rec.of('call.ended')[0]).toMatchObject({ reason: 'caller-hangup' });
    rec.stop();
  });
});
