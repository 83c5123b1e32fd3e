import {
  fixtureTranscripts,
  fixtureWords,
  loadSpeechFixture,
  speechFixtureRecordings,
  startFakeSarvam,
} from '@audexly/testing';
import type { FakeSarvam, FakeSarvamOptions, SpeechFixtureName } from '@audexly/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SttEvent, SttSession } from './stt.js';
import { createSarvamClient } from './sarvam/client.js';
import { FallbackStt } from './stt-fallback.js';
import { SarvamRestStt } from './sarvam/rest-stt.js';
import { SarvamStreamingStt } from './sarvam/streaming-stt.js';

/**
 * Streaming with REST fallback against the strict fake Sarvam, on recorded speech the fake
 * recognises exactly: whichever provider answers, each utterance's words come back once.
 */
let sarvam: FakeSarvam | undefined;
afterEach(async () => {
  await sarvam?.close();
  sarvam = undefined;
});

async function fake(options: Omit<FakeSarvamOptions, 'transcripts'> = {}): Promise<FakeSarvam> {
  sarvam = await startFakeSarvam({ transcripts: fixtureTranscripts(await speechFixtureRecordings(8000)), ...options });
  return sarvam;
}

async function speech(name: SpeechFixtureName): Promise<{ pcm: Buffer; text: string }> {
  return { pcm: (await loadSpeechFixture(name, 8000)).pcm, text: fixtureWords(name).text };
}

function fallbackStt(s: FakeSarvam, options: { flushTimeoutMs?: number; maxRetries?: number } = {}): FallbackStt {
  const client = createSarvamClient({ apiKey: 'test-key', baseUrl: s.url, maxRetries: options.maxRetries ?? 0 });
  return new FallbackStt(new SarvamStreamingStt(client), new SarvamRestStt(client), {
    flushTimeoutMs: options.flushTimeoutMs,
  });
}

const open = (stt: FallbackStt): Promise<SttSession> =>
  stt.openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });

async function next(events: AsyncIterator<SttEvent>): Promise<SttEvent | undefined> {
  const r = await events.next();
  return r.done ? undefined : r.value;
}

function pushInFrames(session: SttSession, pcm: Buffer): void {
  for (let i = 0; i < pcm.byteLength; i += 800) session.push(pcm.subarray(i, i + 800));
}

describe('FallbackStt', () => {
  it('finishes the call over REST after the streaming socket fails, replaying the unanswered turn', async () => {
    const s = await fake({ sttEndOfSpeechMs: 3000 });
    s.inject({ on: 'stt-ws', close: 1011 });
    const session = await open(fallbackStt(s));
    const first = await speech('goforward');
    session.push(first.pcm);
    session.flush();
    const events = session[Symbol.asyncIterator]();
    expect(await next(events)).toMatchObject({ type: 'final', text: first.text });
    const rest = s.requests.filter((r) => r.endpoint === 'stt-rest');
    expect(rest).toHaveLength(1);
    expect(rest[0]!.audio.equals(first.pcm)).toBe(true);

    // The next utterance tries a fresh socket (the failure may have been transient), and gets it.
    const second = await speech('cards-003');
    session.push(second.pcm.subarray(0, 8000));
    await vi.waitFor(() => expect(s.requests.filter((r) => r.endpoint === 'stt-ws')[1]?.audio.byteLength).toBe(8000));
    session.push(second.pcm.subarray(8000));
    session.flush();
    expect(await next(events)).toMatchObject({ type: 'final', text: second.text });
    expect(s.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    expect(s.requests.filter((r) => r.endpoint === 'stt-ws')[1]!.audio.equals(second.pcm)).toBe(true);
    await session.close();
  });

  it('when the socket drops mid-utterance after Sarvam answered part of it, transcribes the whole utterance once', async () => {
    // Sarvam sends the first sentence on its own end of speech, then the socket drops during the
    // second: the utterance is transcribed again from its kept audio, and nothing is said twice.
    const s = await fake({ sttEndOfSpeechMs: 300 });
    const a = await speech('librivox-0880');
    const b = await speech('cards-001');
    const pause = Buffer.alloc(8000); // 500 ms
    s.inject({ on: 'stt-ws', closeAtAudio: 1011, afterAudioMs: (a.pcm.byteLength + pause.byteLength) / 16 + 300 });
    const session = await open(fallbackStt(s));
    pushInFrames(session, Buffer.concat([a.pcm, pause]));
    const answered = () =>
      (s.requests.find((r) => r.endpoint === 'stt-ws')?.transcriptsSent ?? [])
        .map((t) => t.transcript)
        .filter((t) => t !== '');
    await vi.waitFor(() => expect(answered().join(' ')).toBe(a.text), { timeout: 10_000 });
    pushInFrames(session, b.pcm);
    session.flush();
    const events = session[Symbol.asyncIterator]();
    expect(await next(events)).toMatchObject({ type: 'final', text: `${a.text} ${b.text}` });
    // The whole utterance was transcribed again (over REST: its flush was owed by the dropped
    // socket); the dropped socket's partial answer was not used.
    const whole = Buffer.concat([a.pcm, pause, b.pcm]);
    const retried = s.requests.slice(1).filter((r) => r.audio.equals(whole));
    expect(retried.map((r) => r.endpoint)).toEqual(['stt-rest']);
    await session.close();
  });

  it('transcribes an utterance over REST when the socket does not answer its flush in time, and keeps the order', async () => {
    const s = await fake({ sttEndOfSpeechMs: 3000 });
    s.inject({ on: 'stt-ws', stall: true });
    const session = await open(fallbackStt(s, { flushTimeoutMs: 300 }));
    const first = await speech('goforward');
    session.push(first.pcm);
    session.flush();
    const events = session[Symbol.asyncIterator]();
    expect(await next(events)).toMatchObject({ type: 'final', text: first.text });
    const rest = s.requests.filter((r) => r.endpoint === 'stt-rest');
    expect(rest).toHaveLength(1);
    expect(rest[0]!.audio.equals(first.pcm)).toBe(true);
    // The stalled socket was dropped; the next utterance streams over a new one.
    const second = await speech('cards-002');
    session.push(second.pcm);
    session.flush();
    expect(await next(events)).toMatchObject({ type: 'final', text: second.text });
    expect(s.requests.filter((r) => r.endpoint === 'stt-ws')).toHaveLength(2);
    expect(s.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    await session.close();
  });

  it('ends with an error event when REST fails too, and a new session works', async () => {
    const s = await fake({ sttEndOfSpeechMs: 3000 });
    s.inject({ on: 'stt-ws', close: 1011 });
    s.inject({ on: 'stt-rest', status: 400 });
    const stt = fallbackStt(s);
    const session = await open(stt);
    const said = await speech('cards-004');
    session.push(said.pcm);
    session.flush();
    const events = session[Symbol.asyncIterator]();
    const failed = (await next(events)) as { type: string; error?: { retryable: boolean } };
    expect(failed).toMatchObject({ type: 'error' });
    expect(failed.error?.retryable).toBe(false);
    expect(await next(events)).toBeUndefined();
    await session.close();
    const again = await open(stt);
    again.push(said.pcm);
    again.flush();
    expect(await next(again[Symbol.asyncIterator]())).toMatchObject({ type: 'final', text: said.text });
    await again.close();
  });

  it('retries a REST answer of 503 (the SDK retries 5xx) and still transcribes the utterance', async () => {
    const s = await fake();
    // Every socket the session may try (3) is refused, so the utterance goes over REST.
    for (let i = 0; i < 3; i++) s.inject({ on: 'stt-ws', status: 503 });
    s.inject({ on: 'stt-rest', status: 503 });
    const session = await open(fallbackStt(s, { maxRetries: 1 }));
    const said = await speech('cards-001');
    session.push(said.pcm);
    session.flush();
    expect(await next(session[Symbol.asyncIterator]())).toMatchObject({ type: 'final', text: said.text });
    expect(s.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(2);
    await session.close();
  });

  it('goes to REST when every socket is refused', async () => {
    const s = await fake();
    for (let i = 0; i < 3; i++) s.inject({ on: 'stt-ws', status: 503 });
    const session = await open(fallbackStt(s));
    const said = await speech('something');
    session.push(said.pcm);
    session.flush();
    expect(await next(session[Symbol.asyncIterator]())).toMatchObject({ type: 'final', text: said.text });
    expect(s.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    await session.close();
  });
});
