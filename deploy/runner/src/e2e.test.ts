import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '@audexly/audio';
import { callRecordSchema, type Stage } from '@audexly/protocol';
import { simulateCall, FRAME_BYTES } from '@audexly/simulator';
import { createLogger } from '@audexly/telemetry';
import { startFakeOpenAI, startFakeSarvam, speechFixture, type FakeOpenAI, type FakeSarvam } from '@audexly/testing';
import { startApi } from '../../../services/api/src/service.js';
import { startGateway } from '../../../services/gateway/src/service.js';
import { startLlmService } from '../../../services/llm/src/service.js';
import { startRecorderService } from '../../../services/recorder/src/service.js';
import { startSttService } from '../../../services/stt/src/service.js';
import { startTtsService } from '../../../services/tts/src/service.js';

/**
 * All six services in this process, on the real NATS, against the fake Sarvam and OpenAI servers
 * through the official SDKs; a simulated Exotel caller speaks real recorded speech.
 */
const log = createLogger({ service: 'e2e', level: 'silent' });
// Claims on subjects of this run alone, so services elsewhere on the same NATS never take its calls.
const run = randomUUID().slice(0, 8);
const claimSubject = (stage: Stage) => `e2e.${run}.${stage}.claim`;

let sarvam: FakeSarvam;
let openai: FakeOpenAI;
let stops: (() => Promise<void>)[] = [];
let gatewayUrl = '';
let apiUrl = '';

beforeAll(async () => {
  sarvam = await startFakeSarvam({ apiKey: 'e2e-sarvam', transcripts: ['Go forward ten meters.'] });
  openai = await startFakeOpenAI({ apiKey: 'e2e-openai', reply: () => 'Sure, moving ten meters ahead. Anything else?' });
  const env = {
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    SARVAM_API_KEY: 'e2e-sarvam',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'e2e-openai',
    OPENAI_BASE_URL: openai.url,
    GATEWAY_PORT: '0',
    API_PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
  };
  const stages = await Promise.all([
    startSttService(env, log, { claimSubject: claimSubject('stt') }),
    startLlmService(env, log, { claimSubject: claimSubject('llm') }),
    startTtsService(env, log, { claimSubject: claimSubject('tts') }),
    startRecorderService(env, log, { claimSubject: claimSubject('recorder') }),
  ]);
  const api = await startApi(env, log);
  const gateway = await startGateway(env, log, { claimSubject });
  stops = [() => gateway.stop(), () => api.stop(), ...stages.map((s) => () => s.stop())];
  gatewayUrl = `ws://127.0.0.1:${gateway.port}/api/v1/telephony/exotel/stream`;
  apiUrl = `http://127.0.0.1:${api.port}`;
}, 60_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await Promise.all([sarvam?.close(), openai?.close()]);
});

describe('a simulated Exotel call through all six services', () => {
  it('greets, transcribes the caller, answers aloud, and leaves a record and a recording', async () => {
    const call = await simulateCall({ url: gatewayUrl, audio: [speechFixture('goforward', 8000)], sampleRate: 8000 });

    // The greeting was heard before the caller spoke, and the turn was answered aloud.
    expect(call.greetingLatencyMs).not.toBeNull();
    expect(call.greetingAudioMs).toBeGreaterThan(1000);
    expect(call.turns).toHaveLength(1);
    expect(call.turns[0]!.answered).toBe(true);
    expect(call.turns[0]!.agentAudioMs).toBeGreaterThan(1000);
    // Every outbound chunk obeyed Exotel's rules (multiples of 320 bytes, ≤ 99 840, media/mark/clear only).
    expect(call.violations).toEqual([]);
    expect(call.messages.media).toBeGreaterThan(10);
    expect(FRAME_BYTES).toBe(320);
    expect(call.marksEchoed.length).toBeGreaterThanOrEqual(2);

    // The fake STT received the caller's audio over the streaming socket, at the call's rate.
    const stt = sarvam.requests.filter((r) => r.endpoint === 'stt-ws');
    expect(stt.length).toBeGreaterThan(0);
    const heardBytes = stt.reduce((n, r) => n + r.audio.length, 0);
    expect(heardBytes).toBeGreaterThan(2.0 * 16000); // most of the 2.8 s of speech at 8 kHz
    expect(stt[0]!.params).toMatchObject({ sample_rate: '8000' });
    // The model saw the transcript; TTS spoke both the greeting and the answer.
    const chat = openai.requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect(JSON.stringify(chat.at(-1)?.body.messages)).toContain('Go forward ten meters.');
    const spoken = sarvam.requests.filter((r) => r.endpoint === 'tts-ws').flatMap((r) => r.texts);
    expect(spoken.join(' ')).toContain('Sure, moving ten meters ahead.');

    // After stop: the call record with its transcript and the recording, through the api.
    const record = await waitForRecord(call.callId);
    expect(record.endReason).toBe('caller-hangup');
    expect(record.status).toBe('completed');
    expect(record.transcript.map((l) => [l.role, l.text])).toEqual([
      ['agent', 'Namaste! Thank you for calling. How can I help you today?'],
      ['caller', 'Go forward ten meters.'],
      ['agent', 'Sure, moving ten meters ahead. Anything else?'],
    ]);
    const turn = record.turns.find((t) => t.turn === 1)!;
    expect(turn.latency.voiceToVoiceMs).toBeGreaterThan(0);

    const res = await fetch(`${apiUrl}/api/v1/calls/${call.callId}/recording`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('audio/wav');
    const wav = parseWav(Buffer.from(await res.arrayBuffer()));
    expect(wav.channels).toBe(2);
    expect(wav.sampleRate).toBe(8000);
    const seconds = wav.pcm.length / 4 / 8000;
    expect(seconds).toBeGreaterThan(call.durationMs / 1000 - 1.5);
    expect(seconds).toBeLessThan(call.durationMs / 1000 + 1.5);
  }, 90_000);
});

async function waitForRecord(callId: string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${apiUrl}/api/v1/calls/${callId}`);
    if (res.ok) return callRecordSchema.parse(await res.json());
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no call record for ${callId}`);
}
