import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numberKey } from '@audexly/protocol';
import { startFakeExotel, type FakeExotel } from '@audexly/testing';
import { startTestApi, type TestApi } from './test/api-client.js';

/**
 * A refused request changes nothing: for every route that writes, the stored state is read back
 * (straight from the bucket, not through the API) after a refusal and is as it was.
 */
const account = {
  sid: `acct${randomUUID().slice(0, 8)}`,
  apiKey: `k${randomUUID().replace(/-/g, '')}`,
  apiToken: `t${randomUUID().replace(/-/g, '')}`,
};
let t: TestApi;
let exotel: FakeExotel;
let agentId: string;
let otherAgentId: string;
let configId: string;
let number: string;

/** A number nobody else's test uses: +91 and 10 random digits starting with 6. */
const uniqueNumber = () => `+916${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;

beforeAll(async () => {
  exotel = await startFakeExotel({ accounts: [account] });
  t = await startTestApi({ EXOTEL_API_BASE_URL: exotel.url, PUBLIC_URL: 'https://voice.example.com' });
  const agent = await t.call('POST', '/api/v1/agents', { name: 'Refusals', prompt: 'You answer the phone.' });
  const other = await t.call('POST', '/api/v1/agents', {
    name: 'Refusals (other)',
    prompt: 'You answer the phone too.',
  });
  const config = await t.call('POST', '/api/v1/telephony-configs', {
    name: 'Refusals',
    accountSid: account.sid,
    apiKey: account.apiKey,
    apiToken: account.apiToken,
    callerId: '08047491899',
  });
  [agentId, otherAgentId, configId] = [agent.body.id, other.body.id, config.body.id];
  number = uniqueNumber();
  expect((await t.call('POST', '/api/v1/numbers', { number, agentId, telephonyConfigId: configId })).status).toBe(201);
  t.created(`/api/v1/numbers/${encodeURIComponent(number)}`);
  t.created(`/api/v1/telephony-configs/${configId}`);
  t.created(`/api/v1/agents/${agentId}`);
  t.created(`/api/v1/agents/${otherAgentId}`);
});
afterAll(async () => {
  await t?.stop();
  await exotel?.close();
});

describe('api: a refused request changes nothing', () => {
  it('PUT /numbers/:number with an unknown agent, an agent id like a.b.> or an unknown telephony config leaves the live route as it was', async () => {
    const before = await t.raw('numbers', numberKey(number));
    expect(before).toMatchObject({ number, agentId, telephonyConfigId: configId });
    for (const [body, code, path] of [
      [{ agentId: 'ag_typo' }, 'unknown_agent', 'agentId'],
      [{ agentId: 'a.b.>' }, 'unknown_agent', 'agentId'],
      [{ agentId: otherAgentId, telephonyConfigId: 'tc_typo' }, 'unknown_telephony_config', 'telephonyConfigId'],
      [{ agentId: otherAgentId, telephonyConfigId: 'a.b.>' }, 'unknown_telephony_config', 'telephonyConfigId'],
      [{ agentId: otherAgentId, extra: true }, 'invalid_number', 'extra'],
    ] as const) {
      const res = await t.call('PUT', `/api/v1/numbers/${encodeURIComponent(number)}`, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.problems[0].path).toBe(path);
      expect(await t.raw('numbers', numberKey(number))).toEqual(before);
    }
    // The number in the path in another format refers to the same route; still untouched.
    const national = `0${number.slice(3)}`;
    expect((await t.call('PUT', `/api/v1/numbers/${national}`, { agentId: 'ag_typo' })).status).toBe(422);
    expect(await t.raw('numbers', numberKey(number))).toEqual(before);
  });

  it('POST /numbers refused stores no route', async () => {
    const fresh = uniqueNumber();
    for (const body of [
      { number: fresh, agentId: 'ag_typo' },
      { number: fresh, agentId: agentId, telephonyConfigId: 'tc_typo' },
      { number: '12-abc', agentId },
    ]) {
      expect((await t.call('POST', '/api/v1/numbers', body)).status).toBe(422);
    }
    expect(await t.raw('numbers', numberKey(fresh))).toBeNull();
    expect((await t.call('GET', `/api/v1/numbers/${encodeURIComponent(fresh)}`)).status).toBe(404);
  });

  it('DELETE /numbers/:number of something that is not a number deletes nothing', async () => {
    const before = await t.raw('numbers', numberKey(number));
    expect((await t.call('DELETE', '/api/v1/numbers/abc')).status).toBe(400);
    expect(await t.raw('numbers', numberKey(number))).toEqual(before);
  });

  it('POST, PUT and PATCH /agents refused store nothing and change nothing', async () => {
    const before = await t.raw('agents', agentId);
    const name = `Refused ${randomUUID().slice(0, 8)}`;
    expect(
      (await t.call('POST', '/api/v1/agents', { name, prompt: 'p', tts: { model: 'bulbul:v3', speaker: 'anushka' } }))
        .status,
    ).toBe(422);
    expect(
      ((await t.call('GET', '/api/v1/agents')).body.agents as { name: string }[]).some((a) => a.name === name),
    ).toBe(false);
    expect((await t.call('PUT', `/api/v1/agents/${agentId}`, { name: 'Renamed', prompt: '  ' })).status).toBe(422);
    expect(
      (await t.call('PATCH', `/api/v1/agents/${agentId}`, { name: 'Renamed', tools: { transferNumber: '12-abc' } }))
        .status,
    ).toBe(422);
    expect((await t.call('PATCH', `/api/v1/agents/${agentId}`, [])).status).toBe(422);
    expect(await t.raw('agents', agentId)).toEqual(before);
  });

  it('DELETE /agents/:id of an agent a number points to deletes nothing', async () => {
    const before = await t.raw('agents', agentId);
    expect((await t.call('DELETE', `/api/v1/agents/${agentId}`)).status).toBe(409);
    expect(await t.raw('agents', agentId)).toEqual(before);
  });

  it('POST /telephony-configs refused stores nothing; PUT and PATCH refused change nothing', async () => {
    const sid = `refused${randomUUID().slice(0, 8)}`;
    const res = await t.call('POST', '/api/v1/telephony-configs', {
      name: 'Refused',
      accountSid: sid,
      apiKey: 'key12345',
      apiToken: 'token12345',
      callerId: 'abc-not-a-phone',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.problems).toEqual([
      { path: 'callerId', message: 'Caller ID must be a phone number, e.g. +919876543210' },
    ]);
    expect(
      ((await t.call('GET', '/api/v1/telephony-configs')).body.telephonyConfigs as { accountSid: string }[]).some(
        (c) => c.accountSid === sid,
      ),
    ).toBe(false);
    const before = await t.raw('telephony', configId);
    for (const method of ['PUT', 'PATCH']) {
      for (const body of [
        { name: 'Changed', callerId: 'abc-not-a-phone' },
        { name: ' ' },
        { region: 'api.us.exotel.com' },
        { name: 'Changed', apiKey: 'k' },
      ]) {
        const refused = await t.call(method, `/api/v1/telephony-configs/${configId}`, body);
        expect(refused.status, `${method} ${JSON.stringify(body)}`).toBe(422);
      }
    }
    expect(await t.raw('telephony', configId)).toEqual(before);
  });

  it('DELETE /telephony-configs/:id of a config a number uses deletes nothing', async () => {
    const before = await t.raw('telephony', configId);
    expect((await t.call('DELETE', `/api/v1/telephony-configs/${configId}`)).status).toBe(409);
    expect(await t.raw('telephony', configId)).toEqual(before);
  });

  it('POST /calls/outbound refused calls nobody and records no call, also for a stored agent the providers would refuse', async () => {
    // An agent stored before the rules existed (straight into the bucket): bulbul:v3 with a bulbul:v2 speaker.
    const legacyId = `ag_legacy${randomUUID().slice(0, 8)}`;
    const legacy = {
      ...((await t.raw('agents', agentId)) as object),
      id: legacyId,
      name: 'Legacy',
      tts: { provider: 'sarvam', model: 'bulbul:v3', speaker: 'anushka', language: 'en-IN', pace: 1 },
    };
    await t.writeRaw('agents', legacyId, legacy);
    t.created(`/api/v1/agents/${legacyId}`);
    const requestsBefore = exotel.requests.length;
    const entriesBefore = (await t.call('GET', '/api/v1/calls/outbound')).body.calls.length as number;
    const legacyCall = await t.call('POST', '/api/v1/calls/outbound', {
      to: '09876543210',
      agentId: legacyId,
      telephonyConfigId: configId,
    });
    expect(legacyCall.status).toBe(422);
    expect(legacyCall.body.error.code).toBe('invalid_agent');
    expect(legacyCall.body.error.problems).toEqual([
      {
        path: 'agentId',
        message: expect.stringMatching(
          /^Agent “Legacy” cannot take calls until its settings are corrected \(Speaker: bulbul:v3 has no speaker "anushka"/,
        ),
      },
    ]);
    for (const body of [
      { to: '12-abc', agentId, telephonyConfigId: configId },
      { to: '09876543210', agentId, telephonyConfigId: configId, callerId: 'abc-not-a-phone' },
      { to: '09876543210', agentId: 'ag_typo', telephonyConfigId: configId },
      { to: '09876543210', agentId, telephonyConfigId: 'tc_typo' },
    ]) {
      expect((await t.call('POST', '/api/v1/calls/outbound', body)).status, JSON.stringify(body)).toBe(422);
    }
    expect(exotel.requests.length).toBe(requestsBefore);
    expect((await t.call('GET', '/api/v1/calls/outbound')).body.calls.length).toBe(entriesBefore);
  });
});
