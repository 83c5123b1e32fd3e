import { request as httpRequest, Agent } from 'node:http';
import { parseWav, rms } from '@audexly/audio';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSarvam } from './server.js';
import type { FakeSarvam } from './server.js';
import { defaultTranscript } from './types.js';

let sarvam: FakeSarvam | null = null;
afterEach(async () => {
  await sarvam?.close();
  sarvam = null;
});

function openSocket(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => ws.once('message', (m: Buffer) => resolve(JSON.parse(m.toString()) as Record<string, unknown>)));
}

describe('fake Sarvam', () => {
  it('answers REST calls with a wrong key with 403 and Sarvam error body', async () => {
    sarvam = await startFakeSarvam({ apiKey: 'right' });
    const res = await fetch(`${sarvam.url}/text-to-speech`, { method: 'POST', headers: { 'api-subscription-key': 'wrong', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { message: expect.any(String), code: 'invalid_api_key_error' } });
  });

  it('accepts the key as a WebSocket subprotocol alone and echoes the subprotocol', async () => {
    sarvam = await startFakeSarvam();
    const ws = await openSocket(`${sarvam.url.replace('http', 'ws')}/speech-to-text/ws?language-code=unknown&flush_signal=true&vad_signals=true&sample_rate=8000`, ['api-subscription-key.test-key']);
    expect(ws.protocol).toBe('api-subscription-key.test-key');
    const start = nextMessage(ws);
    ws.send(JSON.stringify({ audio: { data: Buffer.alloc(1600).toString('base64'), sample_rate: 8000, encoding: 'audio/wav' } }));
    expect(await start).toMatchObject({ type: 'events', data: { signal_type: 'START_SPEECH' } });
    const messages: Array<Record<string, unknown>> = [];
    const two = new Promise<void>((resolve) => ws.on('message', (m: Buffer) => messages.push(JSON.parse(m.toString()) as Record<string, unknown>) === 2 && resolve()));
    ws.send(JSON.stringify({ type: 'flush' }));
    await two;
    expect(messages[0]).toMatchObject({ type: 'events', data: { signal_type: 'END_SPEECH' } });
    expect(messages[1]).toMatchObject({ type: 'data', data: { transcript: defaultTranscript, language_code: 'en-IN', metrics: { audio_duration: 0.1 } } });
    ws.close();
  });

  it('sends TTS audio as WAV chunks with headers when the codec is wav', async () => {
    sarvam = await startFakeSarvam();
    const ws = await openSocket(`${sarvam.url.replace('http', 'ws')}/text-to-speech/ws?model=bulbul:v2`, [], { 'api-subscription-key': 'test-key' });
    const received: Array<{ type: string; data: { audio?: string; event_type?: string } }> = [];
    const done = new Promise<void>((resolve) =>
      ws.on('message', (m: Buffer) => {
        const msg = JSON.parse(m.toString()) as (typeof received)[number];
        received.push(msg);
        if (msg.type === 'event') resolve();
      }),
    );
    ws.send(JSON.stringify({ type: 'config', data: { target_language_code: 'hi-IN', speaker: 'anushka', speech_sample_rate: '16000', output_audio_codec: 'wav' } }));
    ws.send(JSON.stringify({ type: 'text', data: { text: 'नमस्ते' } }));
    ws.send(JSON.stringify({ type: 'flush' }));
    await done;
    const audio = received.filter((m) => m.type === 'audio').map((m) => parseWav(Buffer.from(m.data.audio!, 'base64')));
    expect(audio.length).toBeGreaterThan(2);
    expect(audio.every((a) => a.sampleRate === 16000)).toBe(true);
    expect(rms(Buffer.concat(audio.map((a) => a.pcm)))).toBeGreaterThan(0.02);
    expect(received.at(-1)).toMatchObject({ type: 'event', data: { event_type: 'final' } });
    ws.close();
  });

  it('closes open WebSockets and keep-alive connections on close()', async () => {
    sarvam = await startFakeSarvam();
    const fake = sarvam;
    const ws = await openSocket(`${fake.url.replace('http', 'ws')}/text-to-speech/ws`, ['api-subscription-key.test-key']);
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
