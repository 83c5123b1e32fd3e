/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- JSON answers: the assertions check their shape */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, connectBus, openBucket, provisionJetStream, type Bus } from '@audexly/bus';
import { agentConfigSchema } from '@audexly/protocol';
import { createLogger } from '@audexly/telemetry';
import { startApi, type RunningApi } from './service.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TOKEN = `tok-${randomUUID()}`;
const SECRET_KEY = `key-${randomUUID()}`;
const API_KEY = `exokey${randomUUID().replace(/-/g, '')}`;
const API_TOKEN = `exotoken${randomUUID().replace(/-/g, '')}`;
/** A number nobody else's test uses: +91 and 10 random digits starting with 7. */
const uniqueNumber = () => `+917${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;

let bus: Bus;
let api: RunningApi;
let noKey: RunningApi;
const created = { agents: [] as string[], numbers: [] as string[], configs: [] as string[] };

beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'api-control-plane-test',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
  await provisionJetStream(bus);
  const env = { NATS_URL, API_PORT: '0', LOG_LEVEL: 'silent', AUDEXLY_API_TOKEN: TOKEN };
  [api, noKey] = await Promise.all([startApi({ ...env, AUDEXLY_SECRET_KEY: SECRET_KEY }), startApi(env)]);
});
afterAll(async () => {
  for (const n of created.numbers) await call('DELETE', `/api/v1/numbers/${encodeURIComponent(n)}`);
  for (const id of created.configs) await call('DELETE', `/api/v1/telephony-configs/${id}`);
  for (const id of created.agents) await call('DELETE', `/api/v1/agents/${id}`);
  await Promise.all([api?.stop(), noKey?.stop()]);
  await bus?.drain();
});

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string | null; to?: RunningApi } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${(options.to ?? api).port}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? null : res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    headers: res.headers,
  };
}

async function createAgent(fields: Record<string, unknown> = {}): Promise<any> {
  const res = await call('POST', '/api/v1/agents', {
    name: 'Reception',
    prompt: 'You are a helpful receptionist.',
    ...fields,
  });
  expect(res.status).toBe(201);
  created.agents.push(res.body.id);
  return res.body;
}

describe('api: agents', () => {
  it('creates an agent with a server-assigned URL-safe id, filling the defaults, and stores AgentConfig JSON in the agents bucket', async () => {
    const agent = await createAgent({
      greeting: 'Namaste!',
      language: 'hi-IN',
      sampleRate: 16000,
      tts: { speaker: 'vidya' },
      tools: { transferNumber: '+918000000000' },
    });
    expect(agent.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(agent).toMatchObject({
      name: 'Reception',
      greeting: 'Namaste!',
      sampleRate: 16000,
      tts: { speaker: 'vidya', model: 'bulbul:v2' },
      tools: { endCall: true, transferNumber: '+918000000000' },
    });
    expect(typeof agent.createdAt).toBe('string');
    const raw = await (await openBucket(bus, BUCKETS.agents)).get(agent.id);
    // The gateway reads the bucket with agentConfigSchema: it must parse.
    expect(agentConfigSchema.parse(raw!.json()).tts.speaker).toBe('vidya');
    const read = await call('GET', `/api/v1/agents/${agent.id}`);
    expect(read.body).toEqual(agent);
    const list = await call('GET', '/api/v1/agents');
    expect(list.body.agents.map((a: { id: string }) => a.id)).toContain(agent.id);
  });

  it('refuses a bad agent body with 422 and a message for people naming each wrong field', async () => {
    const missing = await call('POST', '/api/v1/agents', { name: 'No prompt' });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('invalid_agent');
    expect(missing.body.error.problems).toEqual([{ path: 'prompt', message: 'Prompt is required' }]);
    expect(missing.body.error.message).toBe('Prompt is required');
    const wrong = await call('POST', '/api/v1/agents', {
      name: 'x',
      prompt: 'p',
      sampleRate: 44100,
      llm: { temperature: 5 },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.problems).toEqual([
      { path: 'sampleRate', message: 'Sample rate must be one of 8000, 16000, 24000' },
      { path: 'llm.temperature', message: 'Temperature must be at most 2' },
    ]);
    const typo = await call('POST', '/api/v1/agents', { name: 'x', prompt: 'p', promt: 'typo', stt: { modle: 'x' } });
    expect(typo.status).toBe(422);
    expect(typo.body.error.problems.map((p: { path: string }) => p.path)).toEqual(['promt', 'stt.modle']);
    expect(typo.body.error.message).toBe(
      '“promt” is not a field this request takes; “stt.modle” is not a field this request takes',
    );
    const webhook = await call('POST', '/api/v1/agents', {
      name: 'x',
      prompt: 'p',
      tools: { webhooks: [{ name: 'lookup', description: 'd', url: 'not a url' }] },
    });
    expect(webhook.body.error.problems).toEqual([
      { path: 'tools.webhooks[0].url', message: 'Webhook 1 URL must be a URL, e.g. https://example.com/hook' },
    ]);
    const notJson = await fetch(`http://127.0.0.1:${api.port}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toMatch(/JSON/i);
  });

  it('replaces an agent with PUT and changes single fields with PATCH, keeping id and createdAt', async () => {
    const agent = await createAgent({ greeting: 'Hello', turn: { endOfTurnSilenceMs: 700 } });
    const put = await call('PUT', `/api/v1/agents/${agent.id}`, { ...agent, name: 'Front desk', greeting: 'Hi' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: agent.id,
      createdAt: agent.createdAt,
      name: 'Front desk',
      greeting: 'Hi',
      turn: { endOfTurnSilenceMs: 700 },
    });
    const patch = await call('PATCH', `/api/v1/agents/${agent.id}`, {
      turn: { bargeIn: false },
      phrases: { goodbye: 'Bye!' },
    });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({
      name: 'Front desk',
      turn: { endOfTurnSilenceMs: 700, bargeIn: false },
      phrases: { goodbye: 'Bye!', idlePrompt: 'Are you still there?' },
    });
    const badPatch = await call('PATCH', `/api/v1/agents/${agent.id}`, { turn: { endOfTurnSilenceMs: 10 } });
    expect(badPatch.status).toBe(422);
    expect(badPatch.body.error.problems).toEqual([
      { path: 'turn.endOfTurnSilenceMs', message: 'End of turn after silence must be at least 100 ms' },
    ]);
    expect((await call('PUT', '/api/v1/agents/ag_nobody', { name: 'x', prompt: 'p' })).status).toBe(404);
  });

  it('refuses to delete an agent a number points to, naming the number, and deletes it once the number is gone', async () => {
    const agent = await createAgent();
    const number = uniqueNumber();
    expect((await call('POST', '/api/v1/numbers', { number, agentId: agent.id })).status).toBe(201);
    const refused = await call('DELETE', `/api/v1/agents/${agent.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(number);
    expect((await call('DELETE', `/api/v1/numbers/${encodeURIComponent(number)}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/agents/${agent.id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/agents/${agent.id}`)).status).toBe(404);
  });
});

describe('api: numbers', () => {
  it('normalises a 0-prefixed national number to E.164 and stores the route under numberKey', async () => {
    const agent = await createAgent();
    const e164 = uniqueNumber();
    const national = `0${e164.slice(3, 6)} ${e164.slice(6)}`;
    const res = await call('POST', '/api/v1/numbers', { number: national, agentId: agent.id });
    expect(res.status).toBe(201);
    created.numbers.push(e164);
    expect(res.body).toMatchObject({ number: e164, agentId: agent.id, telephonyConfigId: null });
    const raw = await (await openBucket(bus, BUCKETS.numbers)).get(e164.slice(1));
    expect(raw!.json()).toEqual(res.body);
    // Read back in any format.
    for (const form of [e164, e164.slice(1), national])
      expect((await call('GET', `/api/v1/numbers/${encodeURIComponent(form)}`)).body.number).toBe(e164);
    expect((await call('GET', '/api/v1/numbers')).body.numbers.map((n: { number: string }) => n.number)).toContain(
      e164,
    );
    expect((await call('POST', '/api/v1/numbers', { number: e164, agentId: agent.id })).status).toBe(409);
    const other = await createAgent({ name: 'Sales' });
    const moved = await call('PUT', `/api/v1/numbers/${encodeURIComponent(e164)}`, { agentId: other.id });
    expect(moved.body).toMatchObject({ number: e164, agentId: other.id, createdAt: res.body.createdAt });
  });

  it('refuses an unknown agent, an unknown telephony config and something that is not a number', async () => {
    const agent = await createAgent();
    const unknown = await call('POST', '/api/v1/numbers', { number: uniqueNumber(), agentId: 'ag_nobody' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('unknown_agent');
    expect(unknown.body.error.problems).toEqual([
      { path: 'agentId', message: expect.stringMatching(/^Agent “ag_nobody” does not exist/) },
    ]);
    const config = await call('POST', '/api/v1/numbers', {
      number: uniqueNumber(),
      agentId: agent.id,
      telephonyConfigId: 'tc_nobody',
    });
    expect(config.status).toBe(422);
    expect(config.body.error.code).toBe('unknown_telephony_config');
    expect(config.body.error.problems[0].path).toBe('telephonyConfigId');
    const bad = await call('POST', '/api/v1/numbers', { number: 'call me', agentId: agent.id });
    expect(bad.status).toBe(422);
    expect(bad.body.error.problems).toEqual([
      { path: 'number', message: 'Number must be a phone number, e.g. +919876543210' },
    ]);
    expect((await call('GET', '/api/v1/numbers/abc')).status).toBe(400);
    expect((await call('GET', `/api/v1/numbers/${encodeURIComponent(uniqueNumber())}`)).status).toBe(404);
  });
});

describe('api: telephony configs', () => {
  it('never returns the secrets, stores them encrypted, and stores the caller ID in E.164', async () => {
    const res = await call('POST', '/api/v1/telephony-configs', {
      name: 'Mumbai',
      accountSid: 'audexly1',
      apiKey: API_KEY,
      apiToken: API_TOKEN,
      region: 'api.in.exotel.com',
      callerId: '08047491899',
    });
    expect(res.status).toBe(201);
    created.configs.push(res.body.id);
    expect(res.body).toMatchObject({
      name: 'Mumbai',
      provider: 'exotel',
      accountSid: 'audexly1',
      region: 'api.in.exotel.com',
      callerId: '+918047491899',
      apiKey: `…${API_KEY.slice(-4)}`,
      hasApiToken: true,
    });
    const everything = JSON.stringify([
      res.body,
      (await call('GET', `/api/v1/telephony-configs/${res.body.id}`)).body,
      (await call('GET', '/api/v1/telephony-configs')).body,
    ]);
    expect(everything).not.toContain(API_TOKEN);
    expect(everything).not.toContain(API_KEY);
    const raw = Buffer.from((await (await openBucket(bus, BUCKETS.telephony)).get(res.body.id))!.value).toString(
      'utf8',
    );
    expect(raw).toContain('aes-256-gcm');
    expect(raw).not.toContain(API_TOKEN);
    expect(raw).not.toContain(API_KEY);
  });

  it('keeps the secrets when an update leaves them out, and says what is wrong with a bad body', async () => {
    const res = await call('POST', '/api/v1/telephony-configs', {
      name: 'SG',
      accountSid: 'audexly2',
      apiKey: API_KEY,
      apiToken: API_TOKEN,
    });
    created.configs.push(res.body.id);
    expect(res.body.region).toBe('api.exotel.com');
    const patched = await call('PATCH', `/api/v1/telephony-configs/${res.body.id}`, {
      name: 'Singapore',
      callerId: '+918047491899',
    });
    expect(patched.body).toMatchObject({
      name: 'Singapore',
      callerId: '+918047491899',
      apiKey: `…${API_KEY.slice(-4)}`,
    });
    const rekeyed = await call('PUT', `/api/v1/telephony-configs/${res.body.id}`, { apiKey: 'newkey1234' });
    expect(rekeyed.body.apiKey).toBe('…1234');
    const bad = await call('POST', '/api/v1/telephony-configs', {
      name: 'x',
      accountSid: 'a b',
      apiKey: 'k',
      region: 'api.us.exotel.com',
    });
    expect(bad.status).toBe(422);
    expect(
      Object.fromEntries(bad.body.error.problems.map((p: { path: string; message: string }) => [p.path, p.message])),
    ).toEqual({
      accountSid: 'Account SID must be an Exotel account SID: 1 to 64 letters, digits, _ and -',
      apiKey: 'API key must be at least 4 characters',
      apiToken: 'API token is required',
      region: 'Region must be one of api.exotel.com, api.in.exotel.com',
    });
  });

  it('without AUDEXLY_SECRET_KEY, refuses to store a config with 503 and says why', async () => {
    const res = await call(
      'POST',
      '/api/v1/telephony-configs',
      { name: 'x', accountSid: 'a', apiKey: API_KEY, apiToken: API_TOKEN },
      { to: noKey },
    );
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/AUDEXLY_SECRET_KEY/);
  });

  it('in production, refuses to start without AUDEXLY_SECRET_KEY', async () => {
    await expect(
      startApi({ NATS_URL, API_PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'production', AUDEXLY_API_TOKEN: TOKEN }),
    ).rejects.toThrow(/AUDEXLY_SECRET_KEY is required/);
  });
});

describe('api: auth and docs', () => {
  it('requires the bearer token on every control-plane endpoint', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/agents'],
      ['POST', '/api/v1/agents'],
      ['GET', '/api/v1/numbers'],
      ['GET', '/api/v1/telephony-configs'],
      ['GET', '/api/v1/calls'],
      ['GET', '/api/v1/calls/live'],
      ['POST', '/api/v1/calls/outbound'],
      ['DELETE', '/api/v1/calls/tabc'],
      ['GET', '/api/v1/system'],
    ] as const) {
      const res = await call(method, path, method === 'POST' ? {} : undefined, { token: null });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('serves the OpenAPI document and the docs UI without a token', async () => {
    const doc = await call('GET', '/api/docs/json', undefined, { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/agents',
      '/api/v1/agents/{id}',
      '/api/v1/numbers',
      '/api/v1/telephony-configs',
      '/api/v1/calls',
      '/api/v1/calls/{id}/recording',
      '/api/v1/calls/outbound',
      '/api/v1/system',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(
      doc.body.paths['/api/v1/agents'].post.requestBody.content['application/json'].schema.properties.prompt.type,
    ).toBe('string');
    const ui = await fetch(`http://127.0.0.1:${api.port}/api/docs`, { redirect: 'follow' });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
  });
});
