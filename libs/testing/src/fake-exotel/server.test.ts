import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExotel, type FakeExotel } from './server.js';

const account = { sid: 'audexly1', apiKey: 'key1', apiToken: 'token1' };
const basic = (key: string, token: string) => `Basic ${Buffer.from(`${key}:${token}`).toString('base64')}`;
let exotel: FakeExotel;

beforeAll(async () => {
  exotel = await startFakeExotel({
    accounts: [account, { sid: 'other', apiKey: 'key2', apiToken: 'token2' }],
    rateLimit: { max: 100, windowMs: 60_000 },
  });
});
afterAll(() => exotel.close());

function connect(fields: Record<string, string>, options: { auth?: string; json?: boolean; sid?: string } = {}) {
  return fetch(
    `${exotel.url}/v1/Accounts/${options.sid ?? account.sid}/Calls/connect${options.json === false ? '' : '.json'}`,
    {
      method: 'POST',
      headers: {
        authorization: options.auth ?? basic(account.apiKey, account.apiToken),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields),
    },
  );
}

const stream = {
  From: '09876543210',
  CallerId: '08047491899',
  StreamUrl: 'wss://bot.example.com/s?sample-rate=8000',
  StreamType: 'bidirectional',
};

describe('fake Exotel REST API', () => {
  it('answers connect.json with the Call object Exotel sends, and logs the form', async () => {
    const res = await connect(stream);
    expect(res.status).toBe(200);
    const { Call } = (await res.json()) as { Call: Record<string, unknown> };
    expect(Call).toMatchObject({
      Status: 'in-progress',
      Direction: 'outbound-api',
      From: '09876543210',
      AccountSid: account.sid,
      RecordingUrl: null,
    });
    expect(Call.Sid).toMatch(/^[0-9a-f]{32}$/);
    expect(exotel.requests.at(-1)!.form.StreamUrl).toBe(stream.StreamUrl);
    const details = await fetch(`${exotel.url}/v1/Accounts/${account.sid}/Calls/${String(Call.Sid)}.json`, {
      headers: { authorization: basic(account.apiKey, account.apiToken) },
    });
    expect(((await details.json()) as { Call: { Sid: string } }).Call.Sid).toBe(Call.Sid);
  });

  it('answers XML without the .json suffix', async () => {
    const res = await connect(stream, { json: false });
    expect(res.headers.get('content-type')).toMatch(/xml/);
    expect(await res.text()).toMatch(/<TwilioResponse><Call><Sid>[0-9a-f]{32}<\/Sid>/);
  });

  it('refuses wrong credentials with 401 and another account with 403', async () => {
    const wrong = await connect(stream, { auth: basic('key1', 'nope') });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { RestException: { Message: string } }).RestException.Message).toMatch(
      /Authentication/,
    );
    expect((await connect(stream, { auth: '' })).status).toBe(401);
    expect((await connect(stream, { sid: 'other' })).status).toBe(403);
  });

  it('refuses missing parameters, both StreamUrl and Url, and a StreamUrl over 600 characters', async () => {
    expect((await connect({ ...stream, From: '' })).status).toBe(400);
    expect((await connect({ ...stream, Url: 'http://my.exotel.com/audexly1/exoml/start_voice/1' })).status).toBe(400);
    const long = await connect({ ...stream, StreamUrl: `wss://x/${'a'.repeat(600)}` });
    expect(((await long.json()) as { RestException: { Message: string } }).RestException.Message).toMatch(/600/);
  });

  it('answers 429 with Retry-After past the rate limit', async () => {
    const fresh = await startFakeExotel({ accounts: [account], rateLimit: { max: 2, windowMs: 60_000 } });
    try {
      const send = () =>
        fetch(`${fresh.url}/v1/Accounts/${account.sid}/Calls/connect.json`, {
          method: 'POST',
          headers: {
            authorization: basic(account.apiKey, account.apiToken),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams(stream),
        });
      expect((await send()).status).toBe(200);
      expect((await send()).status).toBe(200);
      const third = await send();
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('60');
    } finally {
      await fresh.close();
    }
  });
});
