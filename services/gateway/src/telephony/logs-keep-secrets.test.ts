/**
 * What the gateway logs while Exotel calls it with tokens in paths (`/stream/<token>`,
 * `/voicebot-url/<token>`), in queries (`?token=`) and in custom parameters (the applet URL's
 * query), with LOG_PII on — the most it ever logs: no token in any line, and the caller's
 * number only under `pii`.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, connectBus, openBucket, type Bus } from '@audexly/bus';
import { outboundBindingKey, signOutboundStreamToken } from '@audexly/protocol';
import { createLogger } from '@audexly/telemetry';
import { startGateway, type RunningGateway } from '../service.js';
import { ExotelTestClient } from '../test/exotel-client.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const STATIC_TOKEN = `static${randomBytes(12).toString('hex')}`;
const SECRET = `secret${randomBytes(16).toString('hex')}`;
const WRONG_TOKENS = [
  `guess${randomBytes(8).toString('hex')}`,
  `guess${randomBytes(8).toString('hex')}`,
  `guess${randomBytes(8).toString('hex')}`,
];
/** The caller's number as ExotelTestClient sends it in `start.from`. */
const CALLER_DIGITS = '9876543210';

const lines: string[] = [];
const log = createLogger({
  service: 'audexly-gateway',
  level: 'debug',
  logPii: true,
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l.trim() !== ''),
      );
      done();
    },
  }),
});

function withoutPii(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPii);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'pii')
      .map(([key, v]) => [key, withoutPii(v)]),
  );
}

let bus: Bus;
let gateway: RunningGateway;
const minted: string[] = [];
const base = () => `127.0.0.1:${gateway.port}/api/v1/telephony/exotel`;

async function callUntilStarted(url: string, callSid: string): Promise<void> {
  const client = await ExotelTestClient.connect(url, { callSid });
  client.start({ customParameters: { token: STATIC_TOKEN, lead: 'L-1' } });
  const started = () => lines.some((l) => l.includes('"msg":"call started"') && l.includes(callSid));
  for (let i = 0; i < 100 && !started(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(started()).toBe(true);
  client.stop();
  await client.until(() => client.closed !== undefined, 3000, 'close');
}

beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'gateway-log-test',
    log: createLogger({ service: 't', level: 'silent' }),
  });
  gateway = await startGateway(
    {
      NATS_URL,
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      LOG_PII: 'true',
      EXOTEL_STREAM_TOKEN: STATIC_TOKEN,
      AUDEXLY_SECRET_KEY: SECRET,
      PUBLIC_URL: 'https://gw.example.com',
      DRAIN_TIMEOUT_MS: '500',
    },
    log,
    { claim: (stage) => Promise.resolve({ ok: true, stage, instanceId: `fake-${stage}` }), noCapacityAudio: null },
  );

  // The dynamic URL, asked with the static token in the query and in the path.
  const callSid = randomBytes(16).toString('hex');
  for (const path of [
    `voicebot-url?CallSid=${callSid}&CallFrom=0${CALLER_DIGITS}&CallTo=08047491899&token=${STATIC_TOKEN}`,
    `voicebot-url/${STATIC_TOKEN}?CallSid=${callSid}&CallTo=08047491899`,
  ]) {
    const res = await fetch(`http://${base()}/${path}`);
    expect(res.status).toBe(200);
    minted.push(decodeURIComponent(new URL(((await res.json()) as { url: string }).url).pathname.split('/').at(-1)!));
  }
  // Refused requests and upgrades, with guessed tokens in the query and the path.
  expect((await fetch(`http://${base()}/transfer-target?CallSid=${callSid}&token=${WRONG_TOKENS[0]}`)).status).toBe(
    401,
  );
  await expect(ExotelTestClient.connect(`ws://${base()}/stream/${WRONG_TOKENS[1]}`)).rejects.toThrow('HTTP 401');
  await expect(ExotelTestClient.connect(`ws://${base()}/stream?token=${WRONG_TOKENS[2]}`)).rejects.toThrow('HTTP 401');
  // Calls on a per-call token in the path, and on the static token as ?token= (which Exotel repeats in custom_parameters).
  await callUntilStarted(`ws://${base()}/stream/${encodeURIComponent(minted[0]!)}?sample-rate=8000`, callSid);
  await callUntilStarted(
    `ws://${base()}/stream?token=${STATIC_TOKEN}&sample-rate=8000`,
    randomBytes(16).toString('hex'),
  );
  // An outbound call on the api's token.
  const outboundSid = randomBytes(16).toString('hex');
  const ref = `ob_${randomBytes(8).toString('hex')}`;
  const expiresAt = Date.now() + 300_000;
  const outbound = await openBucket(bus, BUCKETS.outbound);
  await outbound.put(outboundBindingKey(ref), JSON.stringify({ callSid: outboundSid, expiresAt }));
  minted.push(signOutboundStreamToken(SECRET, { agentId: 'agent-log-test', ref, expiresAt }));
  try {
    await callUntilStarted(`ws://${base()}/stream/${minted[2]!}?sample-rate=8000`, outboundSid);
  } finally {
    await outbound.purge(outboundBindingKey(ref));
  }
});

afterAll(async () => {
  await gateway?.stop();
  await bus?.drain();
});

describe('gateway logs, LOG_PII on', () => {
  it('never contain a token: static, per-call, outbound, guessed, in a path, a query or custom parameters', () => {
    const all = lines.join('\n');
    expect(all).toContain('refused a stream upgrade');
    expect(all).toContain('refused an Exotel request');
    for (const token of [STATIC_TOKEN, SECRET, ...minted, ...minted.map((t) => t.split('.').at(-1)!), ...WRONG_TOKENS])
      expect(all).not.toContain(token);
  });

  it("show the caller's number only under pii", () => {
    expect(lines.join('\n')).toContain(CALLER_DIGITS);
    for (const line of lines) expect(JSON.stringify(withoutPii(JSON.parse(line)))).not.toContain(CALLER_DIGITS);
  });
});
