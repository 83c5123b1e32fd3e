import { Agent, request as httpRequest } from 'node:http';
import { encodeWav, parseWav, rms, silence } from '@audexly/audio';
import type { SarvamAI } from 'sarvamai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fixtureTranscripts, speechFixtureRecordings } from './fixture-transcripts.js';
import { startFakeSarvam } from './server.js';
import type { FakeSarvam } from './server.js';
import { aLawByte, muLawByte } from './tts-audio.js';
import {
  describeStt,
  openStt,
  openTts,
  sdkClient,
  streamAudio,
  sttBarrier,
  sttConnectFails,
} from './test/sdk-sockets.js';
import { saying, spokenWords } from './test/speech.js';
import type { FakeSarvamOptions, TranscriptFn } from './types.js';
import { defaultTranscript } from './types.js';

let sarvam: FakeSarvam | null = null;
let recognise: TranscriptFn;
beforeAll(async () => {
  recognise = fixtureTranscripts(await speechFixtureRecordings(16000));
});
afterEach(async () => {
  await sarvam?.close();
  sarvam = null;
});

async function start(options: FakeSarvamOptions = {}): Promise<FakeSarvam> {
  sarvam = await startFakeSarvam(options);
  return sarvam;
}

const RATE = 16000;
const sttLog = (f: FakeSarvam) => f.requests.find((r) => r.endpoint === 'stt-ws')!;

function openSocket(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('fake Sarvam STT transcripts', () => {
  it('takes queued transcripts one per segment that held speech, then the default sentence; an empty answer takes none', async () => {
    const f = await start({ transcripts: ['one', 'two'], sttSilentFlush: 'empty' });
    const { socket, inbox } = await openStt(f);
    const words = await spokenWords('cards-001', RATE);
    streamAudio(socket, Buffer.concat([words, silence(1000, RATE)]), RATE); // the server's own segment
    streamAudio(socket, silence(300, RATE), RATE);
    socket.flush(); // silence: ""
    streamAudio(socket, words, RATE);
    socket.flush();
    streamAudio(socket, words, RATE);
    socket.flush();
    await inbox.waitForCount(4);
    expect(inbox.messages.map(describeStt)).toEqual(['data:one', 'data:', 'data:two', `data:${defaultTranscript}`]);
    socket.close();
  });

  it('with keepRequestLog false still answers but keeps no request, audio or message', async () => {
    const f = await start({ transcripts: ['one'], keepRequestLog: false });
    const { socket, inbox } = await openStt(f);
    streamAudio(socket, await spokenWords('cards-001', RATE), RATE);
    socket.flush();
    await inbox.waitForCount(1);
    expect(inbox.messages.map(describeStt)).toEqual(['data:one']);
    expect(f.requests).toEqual([]);
    socket.close();
  });

  it('asks the transcript function about exactly the audio of each segment', async () => {
    const heard: number[] = [];
    const f = await start({
      transcripts: (audio, rate) => (heard.push(audio.byteLength / 2 / rate), `segment ${heard.length}`),
    });
    const { socket, inbox } = await openStt(f, { flush_signal: 'true' });
    const audio = Buffer.concat([
      await spokenWords('goforward', RATE),
      silence(900, RATE),
      await spokenWords('something', RATE),
      silence(200, RATE),
    ]);
    streamAudio(socket, audio, RATE);
    socket.flush();
    await inbox.waitForCount(2);
    expect(heard.reduce((a, b) => a + b, 0)).toBeCloseTo(audio.byteLength / 2 / RATE, 6);
    expect(sttLog(f).transcriptsSent).toEqual([
      { transcript: 'segment 1', cause: 'end-of-speech', audioSeconds: heard[0] },
      { transcript: 'segment 2', cause: 'flush', audioSeconds: heard[1] },
    ]);
    socket.close();
  });

  it('sends everything in order on one socket, even when answers take time', async () => {
    const f = await start({ transcripts: recognise, sttLatencyMs: 40 });
    const { socket, inbox } = await openStt(f, { vad_signals: 'true' });
    // The second START_SPEECH is due while the first transcript is still "processing".
    streamAudio(
      socket,
      Buffer.concat([await spokenWords('goforward', RATE), silence(700, RATE), await spokenWords('something', RATE)]),
      RATE,
    );
    socket.flush();
    await inbox.waitForCount(5);
    expect(inbox.messages.map(describeStt)).toEqual([
      'START_SPEECH',
      'END_SPEECH',
      `data:${saying('goforward')}`,
      'START_SPEECH',
      `data:${saying('something')}`,
    ]);
    expect(sttLog(f).sent).toEqual(inbox.messages);
    socket.close();
  });

  it('keeps a pause shorter than sttEndOfSpeechMs inside one segment', async () => {
    const f = await start({ transcripts: recognise, sttEndOfSpeechMs: 1200 });
    const { socket, inbox } = await openStt(f);
    streamAudio(
      socket,
      Buffer.concat([await spokenWords('goforward', RATE), silence(900, RATE), await spokenWords('something', RATE)]),
      RATE,
    );
    socket.flush();
    await inbox.waitForCount(1);
    expect((await sttBarrier(socket, inbox)).map(describeStt)).toEqual([
      `data:${saying('goforward')} ${saying('something')}`,
    ]);
    socket.close();
  });
});

describe('fake Sarvam failures', () => {
  it('closes the STT socket at its first flush with the injected code, even over silence', async () => {
    const f = await start();
    f.inject({ on: 'stt-ws', close: 1011 });
    const { socket, inbox } = await openStt(f);
    streamAudio(socket, silence(200, RATE), RATE);
    socket.flush();
    expect(await inbox.waitForClose()).toBe(1011);
  });

  it('closes the STT socket at its first audio with closeAtAudio', async () => {
    const f = await start();
    f.inject({ on: 'stt-ws', closeAtAudio: 4000 });
    const { socket, inbox } = await openStt(f);
    streamAudio(socket, silence(100, RATE), RATE);
    expect(await inbox.waitForClose()).toBe(4000);
    expect(sttLog(f).audio.byteLength).toBe(0);
  });

  it('answers the first flush with an error, then answers the next', async () => {
    const f = await start({ transcripts: ['after the error'] });
    f.inject({ on: 'stt-ws', error: 'model overloaded' });
    const { socket, inbox } = await openStt(f);
    const words = await spokenWords('cards-004', RATE);
    streamAudio(socket, words, RATE);
    socket.flush();
    streamAudio(socket, words, RATE);
    socket.flush();
    await inbox.waitForCount(2);
    expect(inbox.messages.map((m) => m.data)).toEqual([
      { error: 'model overloaded', code: 'internal_server_error' },
      expect.objectContaining({ transcript: 'after the error' }),
    ]);
    socket.close();
  });

  it('never answers a stalled first flush, and answers the next', async () => {
    const f = await start({ transcripts: ['first answer'] });
    f.inject({ on: 'stt-ws', stall: true });
    const { socket, inbox } = await openStt(f);
    const words = await spokenWords('cards-004', RATE);
    streamAudio(socket, words, RATE);
    socket.flush();
    streamAudio(socket, words, RATE);
    socket.flush();
    expect((await sttBarrier(socket, inbox)).map(describeStt)).toEqual(['data:first answer']);
    socket.close();
  });

  it('refuses a WS upgrade with an injected status, logging it', async () => {
    const f = await start();
    f.inject({ on: 'stt-ws', status: 429 });
    expect(await sttConnectFails(f, {})).toBe(true);
    expect(sttLog(f)).toMatchObject({ status: 429, closed: true });
    expect(await sttConnectFails(f, {})).toBe(false);
  });

  it('answers REST with an injected status and retry-after', async () => {
    const f = await start();
    f.inject({ on: 'tts-rest', status: 503, retryAfterS: 2 });
    const res = await fetch(`${f.url}/text-to-speech`, {
      method: 'POST',
      headers: { 'api-subscription-key': 'test-key', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toEqual({
      error: { message: expect.any(String), code: 'rate_limit_exceeded_error', request_id: expect.any(String) },
    });
  });

  it('answers a TTS flush with an injected error (integer code 500), or closes at it', async () => {
    const f = await start();
    f.inject({ on: 'tts-ws', error: 'synthesis overloaded' });
    f.inject({ on: 'tts-ws', close: 1011 });
    const config = {
      language_code: 'en-IN',
      speaker: 'anushka',
      speech_sample_rate: 8000,
      output_audio_codec: 'linear16',
    } as const;
    const first = await openTts(f);
    first.socket.configureConnection(config);
    first.socket.convert('Hello');
    first.socket.flush();
    expect(await first.inbox.waitFor((m) => m.type === 'error', 'an error')).toMatchObject({
      data: { message: 'synthesis overloaded', code: 500 },
    });
    first.socket.close();
    const second = await openTts(f);
    second.socket.configureConnection(config);
    second.socket.flush();
    expect(await second.inbox.waitForClose()).toBe(1011);
  });
});

describe('fake Sarvam TTS audio', () => {
  it('speaks linear16, mulaw and alaw as raw samples, one byte a sample for G.711', async () => {
    const f = await start();
    const lengths: Record<string, number> = {};
    for (const codec of ['linear16', 'mulaw', 'alaw'] as const) {
      const { audios } = await sdkClient(f).textToSpeech.convert({
        text: 'Hello',
        language_code: 'en-IN',
        model: 'bulbul:v2',
        speech_sample_rate: 8000,
        output_audio_codec: codec,
      });
      const bytes = Buffer.from(audios[0]!, 'base64');
      expect(bytes.subarray(0, 4).toString('ascii')).not.toBe('RIFF');
      lengths[codec] = bytes.byteLength;
    }
    expect(lengths.mulaw).toBe(lengths.linear16! / 2);
    expect(lengths.alaw).toBe(lengths.linear16! / 2);
  });

  it('encodes G.711 as the ITU tables do', () => {
    expect([0, 32767, -32768, 1000, -1000].map(muLawByte)).toEqual([0xff, 0x80, 0x00, 0xce, 0x4e]);
    expect([0, 32767, -32768, 1000, -1000].map(aLawByte)).toEqual([0xd5, 0xaa, 0x2a, 0xfa, 0x7a]);
  });

  it('refuses mp3, which the fake cannot produce, saying so', async () => {
    const f = await start();
    await expect(
      sdkClient(f).textToSpeech.convert({ text: 'Hello', language_code: 'en-IN', output_audio_codec: 'mp3' }),
    ).rejects.toMatchObject({
      statusCode: 400,
      body: { error: { message: expect.stringContaining('fake') } },
    });
  });

  it('sends TTS audio as WAV chunks with headers when the codec is wav', async () => {
    const f = await start();
    const ws = await openSocket(`${f.url.replace('http', 'ws')}/text-to-speech/ws?model=bulbul:v2`, [], {
      'api-subscription-key': 'test-key',
    });
    const received: Array<{ type: string; data: { audio?: string; event_type?: string } }> = [];
    const done = new Promise<void>((resolve) =>
      ws.on('message', (m: Buffer) => {
        const msg = JSON.parse(m.toString()) as (typeof received)[number];
        received.push(msg);
        if (msg.type === 'event') resolve();
      }),
    );
    ws.send(
      JSON.stringify({
        type: 'config',
        data: {
          target_language_code: 'hi-IN',
          speaker: 'anushka',
          speech_sample_rate: '16000',
          output_audio_codec: 'wav',
        },
      }),
    );
    ws.send(JSON.stringify({ type: 'text', data: { text: 'नमस्ते' } }));
    ws.send(JSON.stringify({ type: 'flush' }));
    await done;
    const audio = received.filter((m) => m.type === 'audio').map((m) => parseWav(Buffer.from(m.data.audio!, 'base64')));
    expect(audio.length).toBeGreaterThan(2);
    expect(audio.every((a) => a.sampleRate === 16000)).toBe(true);
    expect(rms(Buffer.concat(audio.map((a) => a.pcm)))).toBeGreaterThan(0.02);
    expect(received.at(-1)).toMatchObject({ type: 'event', data: { event_type: 'final' } });
    expect(f.requests[0]).toMatchObject({
      status: 101,
      texts: ['नमस्ते'],
      params: { model: 'bulbul:v2', speaker: 'anushka' },
    });
    ws.close();
  });

  it('with ttsStall, pauses each synthesis once after its first chunks, then sends the rest', async () => {
    const f = await start({ ttsStall: { afterChunks: 2, ms: 300 } });
    const ws = await openSocket(`${f.url.replace('http', 'ws')}/text-to-speech/ws?model=bulbul:v2`, [], {
      'api-subscription-key': 'test-key',
    });
    const arrivals: number[] = [];
    const done = new Promise<void>((resolve) =>
      ws.on('message', (m: Buffer) => {
        const msg = JSON.parse(m.toString()) as { type: string };
        if (msg.type === 'audio') arrivals.push(performance.now());
        else resolve(); // the completion event (or an error, which fails the length check)
      }),
    );
    const config = {
      target_language_code: 'en-IN',
      speaker: 'anushka',
      speech_sample_rate: '8000',
      output_audio_codec: 'linear16',
    };
    ws.send(JSON.stringify({ type: 'config', data: config }));
    ws.send(JSON.stringify({ type: 'text', data: { text: 'Hello there, how are you today?' } }));
    ws.send(JSON.stringify({ type: 'flush' }));
    await done;
    expect(arrivals.length).toBeGreaterThan(4);
    // A timer never fires early: the third chunk comes at least the stall after the second.
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(299);
    ws.close();
  });

  it('keeps the previous config when a re-sent one is refused', async () => {
    const f = await start();
    const { socket, inbox } = await openTts(f, { model: 'bulbul:v3' });
    socket.configureConnection({
      language_code: 'en-IN',
      speaker: 'shubh',
      speech_sample_rate: 8000,
      output_audio_codec: 'wav',
    });
    socket.configureConnection({
      language_code: 'en-IN',
      speaker: 'nobody' as 'shubh',
      speech_sample_rate: 16000,
      output_audio_codec: 'wav',
    });
    socket.convert('Hello');
    socket.flush();
    await inbox.waitFor((m) => m.type === 'event', 'the final event');
    const audio = inbox.messages.find((m) => m.type === 'audio') as SarvamAI.AudioOutput;
    expect(inbox.messages[0]).toMatchObject({ type: 'error', data: { code: 400 } });
    expect(parseWav(Buffer.from(audio.data.audio, 'base64')).sampleRate).toBe(8000);
    socket.close();
  });
});

describe('fake Sarvam server', () => {
  it('answers REST calls with a wrong key with 403 and Sarvam error body', async () => {
    const f = await start({ apiKey: 'right' });
    const res = await fetch(`${f.url}/text-to-speech`, {
      method: 'POST',
      headers: { 'api-subscription-key': 'wrong', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { message: expect.any(String), code: 'invalid_api_key_error' } });
    expect(f.requests[0]).toMatchObject({ endpoint: 'tts-rest', apiKey: 'wrong', status: 403 });
  });

  it('logs what an STT socket received and what it sent', async () => {
    const f = await start({ transcripts: recognise });
    const { socket, inbox } = await openStt(f, { sample_rate: '16000' });
    const words = await spokenWords('goforward', RATE);
    socket.transcribe({ audio: encodeWav(words, RATE).toString('base64'), sample_rate: RATE, encoding: 'audio/wav' });
    socket.flush();
    await inbox.waitForCount(1);
    expect(sttLog(f)).toMatchObject({
      status: 101,
      apiKey: 'test-key',
      params: { 'language-code': 'en-IN', model: 'saaras:v3', sample_rate: '16000', flush_signal: 'true' },
      messages: [expect.objectContaining({ audio: expect.any(Object) }), { type: 'flush' }],
      sent: inbox.messages,
      transcriptsSent: [{ transcript: saying('goforward'), cause: 'flush', audioSeconds: words.byteLength / 2 / RATE }],
    });
    expect(sttLog(f).audio.equals(words)).toBe(true);
    socket.close();
  });

  it('closes open WebSockets and keep-alive connections on close()', async () => {
    const fake = await start();
    const ws = await openSocket(`${fake.url.replace('http', 'ws')}/text-to-speech/ws`, [
      'api-subscription-key.test-key',
    ]);
    const wsClosed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    const agent = new Agent({ keepAlive: true });
    // Wrapped in an object: resolving with a bare promise would wait for it here.
    const { httpClosed } = await new Promise<{ httpClosed: Promise<void> }>((resolve) => {
      const req = httpRequest(`${fake.url}/nowhere`, { agent, method: 'POST' }, (res) => {
        res.resume();
        res.on('end', () => resolve({ httpClosed: new Promise<void>((r) => req.socket!.once('close', () => r())) }));
      });
      req.end();
    });
    await fake.close();
    sarvam = null;
    expect(await wsClosed).toBe(1006);
    await httpClosed;
    agent.destroy();
  });
});
