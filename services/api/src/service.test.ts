import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, connectBus, openBucket, openRecordings, provisionJetStream, type Bus } from '@audexly/bus';
import { callRecordSchema, type CallRecord } from '@audexly/protocol';
import { createLogger } from '@audexly/telemetry';
import { startApi, type RunningApi } from './service.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TOKEN = `tok-${randomUUID()}`;
const uniqueCallId = () => `t${randomUUID().replace(/-/g, '')}`;

function record(callId: string, startedAt: string): CallRecord {
  return callRecordSchema.parse({
    v: 1,
    callId,
    callSid: callId,
    streamSid: 'st',
    accountSid: 'ac',
    from: '+919800000001',
    to: '+918000000002',
    direction: 'inbound',
    agent: { id: 'agent-1', name: 'Reception' },
    sampleRate: 8000,
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 5000).toISOString(),
    durationMs: 5000,
    endReason: 'caller-hangup',
    endDetail: '',
    status: 'completed',
    transcript: [
      { role: 'caller', text: 'Hello?', timelineMs: 100, turn: 1 },
      { role: 'agent', text: 'Hi, how can I help?', timelineMs: 1500, turn: 1 },
    ],
    turns: [
      {
        turn: 1, callerText: 'Hello?', agentText: 'Hi, how can I help?', speechEndMs: 600, transcriptMs: 900, firstReplyMs: 1200,
        firstAudioInMs: 1400, firstAudioSentMs: 1500, latency: { sttMs: 300, llmMs: 300, ttsMs: 200, voiceToVoiceMs: 900 },
      },
    ],
    errors: [],
    recording: { store: 'nats-object-store', key: `${callId}.wav`, bytes: 300_044, durationMs: 9375, sampleRate: 8000, channels: 2 },
    usage: { sttSeconds: 0.5, llmPromptTokens: 100, llmCompletionTokens: 7, ttsCharacters: 19 },
  });
}

// Far-future start times put these records first in the newest-first list, whatever else is stored.
const newer = uniqueCallId();
const older = uniqueCallId();
const wav = Buffer.alloc(300_044, 0).map((_, i) => (i * 7 + 3) % 256);

let bus: Bus;
let open: RunningApi;
let guarded: RunningApi;
beforeAll(async () => {
  bus = await connectBus({ servers: NATS_URL, name: 'api-test', log: createLogger({ service: 'test', level: 'silent' }) });
  await provisionJetStream(bus);
  const kv = await openBucket(bus, BUCKETS.calls);
  await kv.put(newer, JSON.stringify(record(newer, '2999-01-02T00:00:00.000Z')));
  await kv.put(older, JSON.stringify(record(older, '2999-01-01T00:00:00.000Z')));
  await (await openRecordings(bus)).putBlob({ name: `${newer}.wav` }, wav);
  const env = { NATS_URL, API_PORT: '0', LOG_LEVEL: 'silent' };
  [open, guarded] = await Promise.all([startApi(env), startApi({ ...env, AUDEXLY_API_TOKEN: TOKEN })]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
  if (bus) {
    const kv = await openBucket(bus, BUCKETS.calls);
    await kv.delete(newer);
    await kv.delete(older);
    await (await openRecordings(bus)).delete(`${newer}.wav`);
    await bus.drain();
  }
});

const get = (api: RunningApi, path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${api.port}${path}`, { headers });

describe('api: calls', () => {
  it('lists calls newest first with summaries, a page at a time', async () => {
    const first = await get(open, '/api/v1/calls?limit=1');
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { calls: unknown[]; total: number; nextCursor: string | null };
    expect(page1.total).toBeGreaterThanOrEqual(2);
    expect(page1.calls).toEqual([
      {
        callId: newer, from: '+919800000001', to: '+918000000002', agent: { id: 'agent-1', name: 'Reception' },
        startedAt: '2999-01-02T00:00:00.000Z', durationMs: 5000, endReason: 'caller-hangup', status: 'completed', turns: 1, hasRecording: true,
      },
    ]);
    expect(page1.nextCursor).toBe('1');
    const page2 = (await (await get(open, '/api/v1/calls?limit=1&cursor=1')).json()) as { calls: { callId: string }[] };
    expect(page2.calls.map((c) => c.callId)).toEqual([older]);
    const all = (await (await get(open, '/api/v1/calls')).json()) as { calls: unknown[] };
    expect(all.calls.length).toBe(Math.min(50, page1.total));
  });

  it('rejects a bad limit or cursor with a message that says what is wrong', async () => {
    for (const query of ['limit=0', 'limit=201', 'limit=ten', 'cursor=-1']) {
      const res = await get(open, `/api/v1/calls?${query}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_query');
      expect(body.error.message).toMatch(query.startsWith('limit') ? /limit must be/ : /cursor must be/);
    }
  });

  it('returns a call record with its transcript and turns', async () => {
    const res = await get(open, `/api/v1/calls/${newer}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(record(newer, '2999-01-02T00:00:00.000Z'));
  });

  it('answers 404 for an unknown call and 400 for something that is not a call id', async () => {
    const missing = await get(open, `/api/v1/calls/${uniqueCallId()}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const bad = await get(open, '/api/v1/calls/not.a.call%20id');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_call_id');
    expect((await get(open, `/api/v1/calls/${uniqueCallId()}/recording`)).status).toBe(404);
    expect((await get(open, '/api/v1/calls/x.y/recording')).status).toBe(400);
  });

  it('streams the recording as audio/wav, byte for byte', async () => {
    const res = await get(open, `/api/v1/calls/${newer}/recording`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-length')).toBe(String(wav.length));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await res.arrayBuffer()).equals(wav)).toBe(true);
  });

  it('serves byte ranges of the recording, and 416 past its end', async () => {
    const mid = await get(open, `/api/v1/calls/${newer}/recording`, { range: 'bytes=150000-150099' });
    expect(mid.status).toBe(206);
    expect(mid.headers.get('content-range')).toBe(`bytes 150000-150099/${wav.length}`);
    expect(Buffer.from(await mid.arrayBuffer()).equals(wav.subarray(150_000, 150_100))).toBe(true);
    const tail = await get(open, `/api/v1/calls/${newer}/recording`, { range: 'bytes=-44' });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(wav.subarray(wav.length - 44))).toBe(true);
    const past = await get(open, `/api/v1/calls/${newer}/recording`, { range: `bytes=${wav.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${wav.length}`);
  });
});

describe('api: auth and operations', () => {
  it('with AUDEXLY_API_TOKEN set, requires the bearer token on calls and says what is missing', async () => {
    const none = await get(guarded, `/api/v1/calls/${newer}`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/Authorization: Bearer/);
    expect((await get(guarded, `/api/v1/calls/${newer}`, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get(guarded, `/api/v1/calls/${newer}`, { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    expect((await get(guarded, '/api/v1/calls', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const rec = await get(guarded, `/api/v1/calls/${newer}/recording`, { authorization: `bearer ${TOKEN}` });
    expect(rec.status).toBe(200);
    expect(Buffer.from(await rec.arrayBuffer()).equals(wav)).toBe(true);
  });

  it('keeps health, livez and metrics open with or without a token', async () => {
    for (const api of [open, guarded]) {
      const health = await get(api, '/api/v1/health');
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect((await get(api, '/livez')).status).toBe(200);
      const metrics = await get(api, '/metrics');
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('audexly_api_requests_total');
    }
  });

  it('without a token the calls API is open', async () => {
    expect((await get(open, `/api/v1/calls/${newer}`)).status).toBe(200);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await get(open, '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
