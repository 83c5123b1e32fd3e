import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@audexly/telemetry';
import { startApi, type RunningApi } from './service.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const API_TOKEN = `apitok${randomUUID().replace(/-/g, '')}`;
const SECRET_KEY = `key-${randomUUID()}`;
/** A caller's number as operators type it into filters and paths. */
const NUMBER = '+919812345678';
const DIGITS = '9812345678';
const CALLBACK_TOKEN = `ob_${randomUUID().replace(/-/g, '')}.cbmac${randomUUID().replace(/-/g, '')}`;
const PATH_TOKEN = `pathtok${randomUUID().replace(/-/g, '')}`;
const QUERY_TOKEN = `querytok${randomUUID().replace(/-/g, '')}`;
const SECRETS = [API_TOKEN, CALLBACK_TOKEN, PATH_TOKEN, QUERY_TOKEN, 'cbmac'];

type Line = Record<string, unknown>;

function capture() {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { lines, destination };
}

/** A log line with every `pii` subtree removed: what production logs (LOG_PII off) keep of it. */
function withoutPii(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPii);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'pii')
      .map(([key, v]) => [key, withoutPii(v)]),
  );
}

/** Requests whose URLs carry a number or a token, as operators and Exotel make them. */
async function makeRequests(api: RunningApi): Promise<void> {
  const base = `http://127.0.0.1:${api.port}`;
  const auth = { authorization: `Bearer ${API_TOKEN}` };
  expect(
    (await fetch(`${base}/api/v1/calls?number=${encodeURIComponent(NUMBER)}&limit=5`, { headers: auth })).status,
  ).toBe(200);
  expect((await fetch(`${base}/api/v1/numbers/${encodeURIComponent(NUMBER)}`, { headers: auth })).status).toBe(404);
  const callback = await fetch(
    `${base}/api/v1/telephony/exotel/status-callback?token=${encodeURIComponent(CALLBACK_TOKEN)}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ CallSid: 'cs1', Status: 'completed', From: NUMBER }),
    },
  );
  expect(callback.status).toBe(403);
  expect(
    (
      await fetch(
        `${base}/api/v1/telephony/exotel/stream/${PATH_TOKEN}?token=${QUERY_TOKEN}&number=${encodeURIComponent(NUMBER)}`,
      )
    ).status,
  ).toBe(404);
}

async function startLogged(logPii: boolean) {
  const { lines, destination } = capture();
  const log = createLogger({ service: 'audexly-api', level: 'info', logPii, destination });
  const api = await startApi(
    { NATS_URL, API_PORT: '0', API_HOST: '127.0.0.1', AUDEXLY_API_TOKEN: API_TOKEN, AUDEXLY_SECRET_KEY: SECRET_KEY },
    log,
  );
  return { lines, api };
}

describe('the api request log', () => {
  let quiet: Awaited<ReturnType<typeof startLogged>>;
  let verbose: Awaited<ReturnType<typeof startLogged>>;
  beforeAll(async () => {
    [quiet, verbose] = await Promise.all([startLogged(false), startLogged(true)]);
    await makeRequests(quiet.api);
    await makeRequests(verbose.api);
  });
  afterAll(async () => {
    await Promise.all([quiet?.api.stop(), verbose?.api.stop()]);
  });

  it('names the route pattern, not the URL, and never shows a caller number or a token', () => {
    const text = JSON.stringify(quiet.lines);
    expect(text).not.toContain(DIGITS);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const requests = quiet.lines.filter((l) => l.msg === 'incoming request').map((l) => l.req);
    expect(requests).toContainEqual({
      method: 'GET',
      route: '/api/v1/calls',
      query: ['number', 'limit'],
      pii: '[redacted]',
    });
    expect(requests).toContainEqual({ method: 'GET', route: '/api/v1/numbers/:number', pii: '[redacted]' });
    expect(requests).toContainEqual({ method: 'POST', route: '/api/v1/telephony/exotel/status-callback' });
    expect(requests).toContainEqual({ method: 'GET', route: 'unmatched', query: ['number'], pii: '[redacted]' });
  });

  it('with LOG_PII shows the number only under pii, and still no token', () => {
    const text = JSON.stringify(verbose.lines);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).toContain(DIGITS);
    expect(JSON.stringify(verbose.lines.map(withoutPii))).not.toContain(DIGITS);
    const requests = verbose.lines.filter((l) => l.msg === 'incoming request').map((l) => l.req);
    expect(requests).toContainEqual({
      method: 'GET',
      route: '/api/v1/calls',
      query: ['number', 'limit'],
      pii: { query: { number: NUMBER, limit: '5' } },
    });
    expect(requests).toContainEqual({
      method: 'GET',
      route: '/api/v1/numbers/:number',
      pii: { params: { number: NUMBER } },
    });
  });
});
