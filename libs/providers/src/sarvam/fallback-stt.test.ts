import { loadSpeechFixture, startFakeSarvam } from '@audexly/testing';
import type { FakeSarvam } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

    // The next utterance tries a fresh socket (the failure may have been transient), and gets it.
    session.push(pcm.subarray(0, 8000));
    await vi.waitFor(() => expect(sarvam.requests.filter((r) => r.endpoint === 'stt-ws')[1]?.audio.byteLength).toBe(8000));
    session.push(pcm.subarray(8000, 16000));
    session.flush();
    expect((await events.next()).value).toMatchObject({ type: 'final', text: 'second turn' });
    expect(sarvam.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    expect(sarvam.requests.filter((r) => r.endpoint === 'stt-ws')[1]!.audio.equals(pcm.subarray(0, 16000))).toBe(true);
    await session.close();
  });

  it('transcribes an utterance over REST when the socket does not answer its flush in time, and keeps the order', async () => {
    sarvam.inject({ on: 'stt-ws', stall: true });
    const client = createSarvamClient({ apiKey: 'test-key', baseUrl: sarvam.url, maxRetries: 0 });
    const stt = new FallbackStt(new SarvamStreamingStt(client), new SarvamRestStt(client), { flushTimeoutMs: 300 });
    const session = await stt.openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    const { pcm } = await loadSpeechFixture('goforward', 8000);
    session.push(pcm);
    session.flush();
    const events = session[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ type: 'final', text: 'first turn' });
    const rest = sarvam.requests.filter((r) => r.endpoint === 'stt-rest');
    expect(rest).toHaveLength(1);
    expect(rest[0]!.audio.equals(pcm)).toBe(true);
    // The stalled socket was dropped; the next utterance streams over a new one.
    session.push(pcm);
    session.flush();
    expect((await events.next()).value).toMatchObject({ type: 'final', text: 'second turn' });
    expect(sarvam.requests.filter((r) => r.endpoint === 'stt-ws')).toHaveLength(2);
    expect(sarvam.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    await session.close();
  });

  it('ends with an error event when REST fails too, and a new session works', async () => {
    sarvam.inject({ on: 'stt-ws', close: 1011 });
    sarvam.inject({ on: 'stt-rest', status: 400 });
    const client = createSarvamClient({ apiKey: 'test-key', baseUrl: sarvam.url, maxRetries: 0 });
    const stt = new FallbackStt(new SarvamStreamingStt(client), new SarvamRestStt(client));
    const session = await stt.openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(Buffer.alloc(3200, 1));
    session.flush();
    const events = session[Symbol.asyncIterator]();
    const failed = (await events.next()).value as { type: string; error?: { retryable: boolean } };
    expect(failed).toMatchObject({ type: 'error' });
    expect(failed.error?.retryable).toBe(false);
    expect((await events.next()).done).toBe(true);
    await session.close();
    const next = await stt.openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    next.push(Buffer.alloc(3200, 1));
    next.flush();
    expect((await next[Symbol.asyncIterator]().next()).value).toMatchObject({ type: 'final', text: 'first turn' });
    await next.close();
  });

  it('retries a REST answer of 503 (the SDK retries 5xx) and still transcribes the utterance', async () => {
    sarvam.inject({ on: 'stt-ws', status: 503 });
    sarvam.inject({ on: 'stt-rest', status: 503 });
    const client = createSarvamClient({ apiKey: 'test-key', baseUrl: sarvam.url, maxRetries: 1 });
    const session = await new FallbackStt(new SarvamStreamingStt(client), new SarvamRestStt(client)).openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(Buffer.alloc(3200, 1));
    session.flush();
    expect((await session[Symbol.asyncIterator]().next()).value).toMatchObject({ type: 'final', text: 'first turn' });
    expect(sarvam.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(2);
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
