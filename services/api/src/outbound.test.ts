/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- JSON answers: the assertions check their shape */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, connectBus, openBucket, type Bus } from '@audexly/bus';
import { openCapability, openOutboundStreamToken, outboundBindingKey, outboundBindingSchema } from '@audexly/protocol';
import { createLogger } from '@audexly/telemetry';
import { startFakeExotel, type FakeExotel } from '@audexly/testing';
import { startApi, type RunningApi } from './service.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TOKEN = `tok-${randomUUID()}`;
const SECRET_KEY = `key-${randomUUID()}`;
const account = {
  sid: `acct${randomUUID().slice(0, 8)}`,
  apiKey: `k${randomUUID().replace(/-/g, '')}`,
  apiToken: `t${randomUUID().replace(/-/g, '')}`,
};

let bus: Bus;
let exotel: FakeExotel;
let limited: FakeExotel;
let api: RunningApi;
let limitedApi: RunningApi;
let agentId: string;
let configId: string;
let limitedConfigId: string;
const cleanup: string[] = [];

async function call(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST', to: RunningApi = api) {
  const res = await fetch(`http://127.0.0.1:${to.port}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'outbound-test',
    log: createLogger({ service: 'outbound-test', level: 'silent' }),
  });
  [exotel, limited] = await Promise.all([
    startFakeExotel({ accounts: [account] }),
    startFakeExotel({ accounts: [account], rateLimit: { max: 1, windowMs: 60_000 } }),
  ]);
  // API_PORT=0 picks the port at start, so the status callbacks name a placeholder host that
  // the tests point at the running API before the fake delivers them.
  const env = {
    NATS_URL,
    API_PORT: '0',
    LOG_LEVEL: 'silent',
    AUDEXLY_API_TOKEN: TOKEN,
    AUDEXLY_SECRET_KEY: SECRET_KEY,
    PUBLIC_URL: 'https://voice.example.com',
    API_PUBLIC_URL: 'http://api.invalid',
  };
  [api, limitedApi] = await Promise.all([
    startApi({ ...env, EXOTEL_API_BASE_URL: exotel.url }),
    startApi({ ...env, EXOTEL_API_BASE_URL: limited.url }),
  ]);
  const agent = await call('/api/v1/agents', {
    name: 'Collections',
    prompt: 'You remind customers of dues.',
    sampleRate: 16000,
  });
  agentId = agent.body.id;
  const config = await call('/api/v1/telephony-configs', {
    name: 'Fake',
    accountSid: account.sid,
    apiKey: account.apiKey,
    apiToken: account.apiToken,
    region: 'api.in.exotel.com',
    callerId: '08047491899',
  });
  configId = config.body.id;
  limitedConfigId = configId;
});
afterAll(async () => {
  for (const id of cleanup) await call(`/api/v1/calls/${id}`, undefined, 'DELETE');
  if (configId) await call(`/api/v1/telephony-configs/${configId}`, undefined, 'DELETE');
  if (agentId) await call(`/api/v1/agents/${agentId}`, undefined, 'DELETE');
  await Promise.all([api?.stop(), limitedApi?.stop(), exotel?.close(), limited?.close()]);
  await bus?.drain();
});

describe('api: outbound calls through Exotel', () => {
  it('places a Connect Voice AI call: connect.json, Basic auth, PascalCase form with StreamUrl and StatusCallback', async () => {
    const placedAt = Date.now();
    const res = await call('/api/v1/calls/outbound', {
      to: '09876543210',
      agentId,
      telephonyConfigId: configId,
      mode: 'stream',
      record: true,
    });
    expect(res.status).toBe(202);
    cleanup.push(res.body.callId);
    expect(res.body).toMatchObject({ status: 'in-progress', mode: 'stream' });
    const request = exotel.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v1/Accounts/${account.sid}/Calls/connect.json`);
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${account.apiKey}:${account.apiToken}`).toString('base64')}`,
    );
    expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const form = request.form;
    expect(form.From).toBe('+919876543210');
    expect(form.CallerId).toBe('+918047491899');
    expect(form.StreamType).toBe('bidirectional');
    expect(form.Record).toBe('true');
    expect(form.RecordingChannels).toBe('dual');
    expect(form.Url).toBeUndefined();
    const stream = new URL(form.StreamUrl as string);
    expect(stream.protocol).toBe('wss:');
    expect(stream.host).toBe('voice.example.com');
    expect(stream.searchParams.get('sample-rate')).toBe('16000');
    const streamToken = stream.pathname.replace('/api/v1/telephony/exotel/stream/', '');
    expect(form['StatusCallbackEvents[]']).toEqual(['answered', 'terminal']);
    const callback = new URL(form.StatusCallback as string);
    expect(callback.pathname).toBe('/api/v1/telephony/exotel/status-callback');
    const ref = openCapability(SECRET_KEY, 'status-callback', callback.searchParams.get('token')!);
    expect(ref).toMatch(/^ob_/);
    expect(res.body.callSid).toBe([...exotel.calls.keys()].at(-1));

    // The stream token names the agent and this outbound request, and expires after OUTBOUND_STREAM_TOKEN_TTL_S (300 s).
    const grant = openOutboundStreamToken(SECRET_KEY, streamToken, placedAt);
    expect(grant).toMatchObject({ ok: true, agentId, ref });
    const expiresAt = grant.ok ? grant.expiresAt : 0;
    expect(expiresAt).toBeGreaterThanOrEqual(placedAt + 300_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 301_000);
    expect(openOutboundStreamToken(SECRET_KEY, streamToken, expiresAt)).toEqual({ ok: false, reason: 'expired' });
    // The gateway admits it for this call only: the API recorded ref → CallSid.
    const outbound = await openBucket(bus, BUCKETS.outbound);
    const binding = await outbound.get(outboundBindingKey(ref!));
    expect(outboundBindingSchema.parse(binding!.json())).toEqual({ callSid: res.body.callSid, expiresAt });
    // Bindings are not outbound calls: the list holds calls only.
    const listed = (await call('/api/v1/calls/outbound')).body.calls as { ref: string }[];
    expect(listed.filter((c) => c.ref === ref)).toHaveLength(1);
    // Erasing the call erases its binding too.
    expect((await call(`/api/v1/calls/${res.body.callId}`, undefined, 'DELETE')).status).toBe(204);
    expect((await outbound.get(outboundBindingKey(ref!)))?.operation ?? 'PURGE').not.toBe('PUT');
  });

  it('places a call into a flow with its start_voice Url and no StreamUrl', async () => {
    const res = await call('/api/v1/calls/outbound', {
      to: '+919876500000',
      telephonyConfigId: configId,
      mode: 'flow',
      appId: '123456',
      callerId: '+918047000000',
    });
    expect(res.status).toBe(202);
    cleanup.push(res.body.callId);
    const form = exotel.requests.at(-1)!.form;
    expect(form.Url).toBe(`http://my.exotel.com/${account.sid}/exoml/start_voice/123456`);
    expect(form.StreamUrl).toBeUndefined();
    expect(form.CallerId).toBe('+918047000000');
    expect(form.From).toBe('+919876500000');
  });

  it('records the status callbacks Exotel sends on the outbound entry', async () => {
    const placed = await call('/api/v1/calls/outbound', { to: '09876543211', agentId, telephonyConfigId: configId });
    cleanup.push(placed.body.callId);
    const fakeCall = exotel.calls.get(placed.body.callSid)!;
    expect(
      fakeCall.statusCallback!.startsWith('http://api.invalid/api/v1/telephony/exotel/status-callback?token='),
    ).toBe(true);
    fakeCall.statusCallback = fakeCall.statusCallback!.replace('http://api.invalid', `http://127.0.0.1:${api.port}`);
    expect(await exotel.sendStatusCallback(fakeCall.sid, { eventType: 'answered' })).toBe(200);
    let entry = (await call(`/api/v1/calls/outbound/${placed.body.callId}`)).body;
    expect(entry.status).toBe('in-progress');
    expect(entry.answeredAt).not.toBeNull();
    expect(
      await exotel.sendStatusCallback(fakeCall.sid, {
        eventType: 'terminal',
        status: 'completed',
        conversationDurationS: 42,
        recordingUrl: 'https://recordings.exotel.com/x.mp3',
      }),
    ).toBe(200);
    entry = (await call(`/api/v1/calls/outbound/${placed.body.callSid}`)).body;
    expect(entry).toMatchObject({
      status: 'completed',
      conversationDurationS: 42,
      recordingUrl: 'https://recordings.exotel.com/x.mp3',
      agentId,
      to: '+919876543211',
    });
    expect(entry.endedAt).not.toBeNull();
    expect(entry.legs).toEqual([{ OnCallDuration: '42', Status: 'completed', AnsweredBy: 'NA' }]);
    expect(entry.callbacks.map((c: { eventType: string }) => c.eventType)).toEqual(['answered', 'terminal']);
    const listed = (await call('/api/v1/calls/outbound')).body.calls.map((c: { callId: string }) => c.callId);
    expect(listed).toContain(placed.body.callId);
  });

  it('refuses a status callback with a bad token or one minted for another call, and answers 200 for unknown calls', async () => {
    const base = `http://127.0.0.1:${api.port}/api/v1/telephony/exotel/status-callback`;
    const post = (query: string, form: Record<string, string>) =>
      fetch(`${base}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
    expect((await post('?token=forged.AAAA', { CallSid: 'x', Status: 'completed' })).status).toBe(403);
    expect((await post('', { CallSid: 'x', Status: 'completed' })).status).toBe(403);
    const first = await call('/api/v1/calls/outbound', { to: '09876543212', agentId, telephonyConfigId: configId });
    const second = await call('/api/v1/calls/outbound', { to: '09876543213', agentId, telephonyConfigId: configId });
    cleanup.push(first.body.callId, second.body.callId);
    const firstToken = new URL(exotel.calls.get(first.body.callSid)!.statusCallback!).search;
    expect(
      (await post(firstToken, { CallSid: second.body.callSid, Status: 'completed', EventType: 'terminal' })).status,
    ).toBe(403);
    expect((await call(`/api/v1/calls/outbound/${second.body.callId}`)).body.status).toBe('in-progress');
    expect((await post(firstToken, { CallSid: 'deadbeef', Status: 'completed' })).status).toBe(200);
    // JSON callbacks (StatusCallbackContentType=application/json) are read too.
    const json = await fetch(`${base}${firstToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ CallSid: first.body.callSid, Status: 'busy', EventType: 'terminal' }),
    });
    expect(json.status).toBe(200);
    expect((await call(`/api/v1/calls/outbound/${first.body.callId}`)).body.status).toBe('busy');
  });

  it("turns Exotel's refusals into 502 with Exotel's message, and 429 into 503 with Retry-After", async () => {
    const wrong = await call('/api/v1/telephony-configs', {
      name: 'Wrong',
      accountSid: account.sid,
      apiKey: 'wrongkey',
      apiToken: 'wrongtoken',
      callerId: '08047491899',
    });
    const refused = await call('/api/v1/calls/outbound', {
      to: '09876543214',
      agentId,
      telephonyConfigId: wrong.body.id,
    });
    await call(`/api/v1/telephony-configs/${wrong.body.id}`, undefined, 'DELETE');
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('exotel_error');
    expect(refused.body.error.message).toMatch(/HTTP 401.*Authentication is required/);

    const first = await call(
      '/api/v1/calls/outbound',
      { to: '09876543215', agentId, telephonyConfigId: limitedConfigId },
      'POST',
      limitedApi,
    );
    expect(first.status).toBe(202);
    cleanup.push(first.body.callId);
    const second = await call(
      '/api/v1/calls/outbound',
      { to: '09876543215', agentId, telephonyConfigId: limitedConfigId },
      'POST',
      limitedApi,
    );
    expect(second.status).toBe(503);
    expect(second.body.error.code).toBe('exotel_rate_limited');
    expect(second.headers.get('retry-after')).toBe('60');
  });

  it('says what is wrong with a bad outbound request, without calling Exotel', async () => {
    const requestsBefore = exotel.requests.length;
    const noAgent = await call('/api/v1/calls/outbound', {
      to: '09876543210',
      telephonyConfigId: configId,
      mode: 'stream',
    });
    expect(noAgent.status).toBe(422);
    expect(noAgent.body.error.problems).toEqual([{ path: 'agentId', message: 'Agent is required in stream mode' }]);
    const noApp = await call('/api/v1/calls/outbound', {
      to: '09876543210',
      telephonyConfigId: configId,
      mode: 'flow',
    });
    expect(noApp.body.error.problems).toEqual([{ path: 'appId', message: 'Flow app id is required in flow mode' }]);
    const badTo = await call('/api/v1/calls/outbound', { to: 'nobody', agentId, telephonyConfigId: configId });
    expect(badTo.status).toBe(422);
    expect(badTo.body.error.problems).toEqual([
      { path: 'to', message: 'Number to call must be a phone number, e.g. +919876543210' },
    ]);
    const badCallerId = await call('/api/v1/calls/outbound', {
      to: '09876543210',
      agentId,
      telephonyConfigId: configId,
      callerId: 'abc-not-a-phone',
    });
    expect(badCallerId.status).toBe(422);
    expect(badCallerId.body.error.problems).toEqual([
      { path: 'callerId', message: 'Caller ID must be a phone number, e.g. +919876543210' },
    ]);
    const noConfig = await call('/api/v1/calls/outbound', {
      to: '09876543210',
      agentId,
      telephonyConfigId: 'tc_nobody',
    });
    expect(noConfig.status).toBe(422);
    expect(noConfig.body.error.code).toBe('unknown_telephony_config');
    const noSuchAgent = await call('/api/v1/calls/outbound', {
      to: '09876543210',
      agentId: 'a.b.>',
      telephonyConfigId: configId,
    });
    expect(noSuchAgent.status).toBe(422);
    expect(noSuchAgent.body.error.code).toBe('unknown_agent');
    expect(exotel.requests.length).toBe(requestsBefore);
  });
});
