import { randomUUID } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, provisionJetStream, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { startFakeS3, type FakeS3 } from '@audexly/testing';
import {
  createRecordingStore,
  openNatsRecordingStore,
  parseRangeHeader,
  RangeNotSatisfiableError,
  type RecordingStore,
} from './index.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const credentials = { accessKeyId: 'AKIDSTORAGE', secretAccessKey: 'storage-secret' };
let bus: Bus;
let s3: FakeS3;
const stores: Record<'nats-object-store' | 's3', RecordingStore> = {} as never;
/**
 * The NATS store's tests use an object store of their own, not the shared `recordings`: what other
 * tests and earlier runs (a soak leaves GBs) keep there, or write and delete meanwhile, is not theirs.
 */
const natsBucket = `recordings_test_${randomUUID().replace(/-/g, '')}`;
const none = { S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: false } as const;

beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'storage-test',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
  await provisionJetStream(bus);
  s3 = await startFakeS3({ ...credentials, buckets: ['audexly-recordings'] });
  await new Objm(bus.nc).create(natsBucket);
  stores['nats-object-store'] = await openNatsRecordingStore(bus, natsBucket);
  stores.s3 = await createRecordingStore(
    {
      ...none,
      S3_ENDPOINT: s3.url,
      S3_BUCKET: 'audexly-recordings',
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: true,
    },
    bus,
  );
});
afterAll(async () => {
  await s3?.close();
  await (await new Objm(bus.nc).open(natsBucket)).destroy();
  await bus?.drain();
});

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/** 300 kB, more than two object-store chunks, each byte telling its position. */
const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));

describe.each(['nats-object-store', 's3'] as const)('recording store on %s', (kind) => {
  const store = () => stores[kind];
  const name = () => `t${randomUUID().replace(/-/g, '')}.wav`;

  it('is the backend the configuration asks for', async () => {
    expect(store().kind).toBe(kind);
    if (kind === 'nats-object-store') expect((await createRecordingStore(none, bus)).kind).toBe(kind);
  });

  it('stores a recording and gives back its bytes, type, call id and size', async () => {
    const key = name();
    expect(await store().put(key, data, { contentType: 'audio/wav', callId: 'c1', metadata: { turns: '3' } })).toEqual({
      store: kind,
      key,
      bytes: data.length,
    });
    const object = await store().get(key);
    expect(object).toMatchObject({
      key,
      size: data.length,
      contentType: 'audio/wav',
      callId: 'c1',
      metadata: { turns: '3' },
      range: null,
    });
    expect((await bytesOf(object!.stream)).equals(data)).toBe(true);
    expect(await store().head(key)).toMatchObject({ key, size: data.length, contentType: 'audio/wav', callId: 'c1' });
    expect(Math.abs(Date.now() - (await store().head(key))!.storedAt.getTime())).toBeLessThan(60_000);
    await store().delete(key);
  });

  it('stores a stream', async () => {
    const key = name();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data.subarray(0, 1000));
        controller.enqueue(data.subarray(1000));
        controller.close();
      },
    });
    expect((await store().put(key, stream, { contentType: 'audio/wav' })).bytes).toBe(data.length);
    expect((await bytesOf((await store().get(key))!.stream)).equals(data)).toBe(true);
    await store().delete(key);
  });

  it('reads byte ranges: a middle span across chunks, an open end, a suffix, and an end past the object', async () => {
    const key = name();
    await store().put(key, data, { contentType: 'audio/wav' });
    const cases = [
      [{ start: 131_000, end: 132_100 }, 131_000, 132_100],
      [{ start: 299_990 }, 299_990, 299_999],
      [{ suffix: 44 }, 299_956, 299_999],
      [{ start: 10, end: 10_000_000 }, 10, 299_999],
    ] as const;
    for (const [range, start, end] of cases) {
      const object = await store().get(key, range);
      expect(object?.range).toEqual({ start, end });
      expect(object?.size).toBe(data.length);
      expect((await bytesOf(object!.stream)).equals(data.subarray(start, end + 1))).toBe(true);
    }
    await expect(store().get(key, { start: data.length })).rejects.toEqual(new RangeNotSatisfiableError(data.length));
    await store().delete(key);
  });

  it('lists recordings by prefix and forgets deleted ones; a missing one is null, and deleting it again is fine', async () => {
    const prefix = `t${randomUUID().replace(/-/g, '')}`;
    await store().put(`${prefix}-a.wav`, data.subarray(0, 10), { contentType: 'audio/wav' });
    await store().put(`${prefix}-b.wav`, data.subarray(0, 20), { contentType: 'audio/wav' });
    const listed = [];
    for await (const entry of store().list({ prefix })) listed.push([entry.key, entry.size]);
    expect(listed.sort()).toEqual([
      [`${prefix}-a.wav`, 10],
      [`${prefix}-b.wav`, 20],
    ]);
    await store().delete(`${prefix}-a.wav`);
    await store().delete(`${prefix}-a.wav`);
    expect(await store().get(`${prefix}-a.wav`)).toBeNull();
    expect(await store().head(`${prefix}-a.wav`)).toBeNull();
    const after = [];
    for await (const entry of store().list({ prefix })) after.push(entry.key);
    expect(after).toEqual([`${prefix}-b.wav`]);
    await store().delete(`${prefix}-b.wav`);
  });

  it('lists names with spaces and symbols, and only those under the prefix', async () => {
    const prefix = `t${randomUUID().replace(/-/g, '')}`;
    const keys = [`${prefix}/calls/ärger call.wav`, `${prefix}/calls/a+b=c?.wav`, `${prefix}-other.wav`];
    for (const key of keys) await store().put(key, data.subarray(0, 5), { contentType: 'audio/wav' });
    const listed = [];
    for await (const entry of store().list({ prefix: `${prefix}/calls/` })) listed.push(entry.key);
    expect(listed.sort()).toEqual(keys.slice(0, 2).sort());
    for (const key of keys) await store().delete(key);
  });
});

describe('S3 configuration', () => {
  it('refuses a bucket without credentials, naming what is missing', async () => {
    await expect(
      createRecordingStore(
        { S3_BUCKET: 'b', S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: true, S3_ACCESS_KEY_ID: 'x' },
        bus,
      ),
    ).rejects.toThrow('S3_SECRET_ACCESS_KEY is not');
  });

  it('sends signed requests with the configured key to the configured bucket, path-style', () => {
    const puts = s3.requests.filter((r) => r.operation === 'PutObject');
    expect(puts.length).toBeGreaterThan(0);
    expect(
      puts.every(
        (r) =>
          r.accessKeyId === credentials.accessKeyId &&
          r.bucket === 'audexly-recordings' &&
          r.path.startsWith('/audexly-recordings/'),
      ),
    ).toBe(true);
  });
});

describe('Range header', () => {
  it('parses one byte range and ignores what HTTP says to ignore', () => {
    expect(parseRangeHeader('bytes=0-99')).toEqual({ start: 0, end: 99 });
    expect(parseRangeHeader('bytes=100-')).toEqual({ start: 100 });
    expect(parseRangeHeader('bytes=-500')).toEqual({ suffix: 500 });
    for (const ignored of [undefined, '', 'bytes=5-1', 'bytes=0-1,4-5', 'items=0-1', 'bytes=-'])
      expect(parseRangeHeader(ignored)).toBeNull();
  });
});
