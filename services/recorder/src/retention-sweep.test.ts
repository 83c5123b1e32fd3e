import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3RecordingStore, type RecordingStore } from '@audexly/storage';
import { startFakeS3, type FakeS3 } from '@audexly/testing';
import { sweepExpiredRecordings } from './retention-sweep.js';

let s3: FakeS3;
let store: RecordingStore;
beforeAll(async () => {
  s3 = await startFakeS3({ accessKeyId: 'AKIDSWEEP', secretAccessKey: 'sweep-secret', buckets: ['recordings'] });
  store = s3RecordingStore({
    endpoint: s3.url,
    bucket: 'recordings',
    region: 'us-east-1',
    accessKeyId: 'AKIDSWEEP',
    secretAccessKey: 'sweep-secret',
    forcePathStyle: true,
  });
});
afterAll(async () => {
  await s3?.close();
});

describe('retention sweep', () => {
  it('with a retention of 1.5 s, deletes the recordings stored over 1.5 s ago and keeps the fresh one', async () => {
    const meta = { contentType: 'audio/wav' };
    await store.put('old-1.wav', new Uint8Array(10), meta);
    await store.put('old-2.wav', new Uint8Array(10), meta);
    await new Promise((r) => setTimeout(r, 2100)); // S3 keeps Last-Modified to the second
    await store.put('fresh.wav', new Uint8Array(10), meta);

    expect(await sweepExpiredRecordings(store, 1500)).toBe(2);
    expect([...s3.objects('recordings').keys()]).toEqual(['fresh.wav']);
    expect(await sweepExpiredRecordings(store, 1500)).toBe(0);
  });
});
