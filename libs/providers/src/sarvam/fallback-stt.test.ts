import { loadSpeechFixture, startFakeSarvam } from '@audexly/testing';
import type { FakeSarvam } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSarvamClient } from './client.js';
import { FallbackStt } from './fallback-stt.js';
import { SarvamRestStt } from './rest-stt.js';
import { SarvamStreamingStt } from './streaming-stt.js';

let sarvam: FakeSarvam;
beforeEach(async () => {
  sarvam = await startFakeSarvam({ transcripts: ['first turn', 'second turn'] });
});
afterEach(() => sarvam.close());

describe('FallbackStt', () => {
  it('finishes the call over REST after the streaming socket fails, replaying the unanswered turn', async () => {
    sarvam.inject({ on: 'stt-ws', close: 1011 });
    const client = createSarvamClient({ apiKey: 'test-key', baseUrl: sarvam.url, maxRetries: 0 });
    const stt = new FallbackStt(new SarvamStreamingStt(client), new SarvamRestStt(client));
    const session = await stt.openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    const { pcm } = await loadSpeechFixture('goforward', 8000);
    session.push(pcm);
    session.flush();
    const events = session[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ type: 'final', text: 'first turn' });
    const rest = sarvam.requests.filter((r) => r.endpoint === 'stt-rest');
    expect(rest).toHaveLength(1);
    expect(rest[0]!.audio.equals(pcm)).toBe(true);

    session.push(pcm.subarray(0, 8000));
    session.flush();
    expect((await events.next()).value).toMatchObject({ type: 'final', text: 'second turn' });
    expect(sarvam.requests.filter((r) => r.endpoint === 'stt-ws')).toHaveLength(1);
    await session.close();
  });

  it('goes straight to REST when the socket is refused', async () => {
    sarvam.inject({ on: 'stt-ws', status: 503 });
    const client = createSarvamClient({ apiKey: 'test-key', baseUrl: sarvam.url, maxRetries: 0 });
    const session = await new FallbackStt(new SarvamStreamingStt(client), new SarvamRestStt(client)).openSession({ sampleRate: 16000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(Buffer.alloc(3200, 1));
    session.flush();
    expect((await session[Symbol.asyncIterator]().next()).value).toMatchObject({ type: 'final', text: 'first turn' });
    await session.close();
  });
});
