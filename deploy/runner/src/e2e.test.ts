import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '@audexly/audio';
import { simulateCall, FRAME_BYTES } from '@audexly/simulator';
import { speechFixture, type FakeOpenAI, type FakeSarvam } from '@audexly/testing';
import { waitForRecord as recordOf } from './test/call-records.js';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';

/**
 * All six services in this process, on the real NATS, against the fake Sarvam and OpenAI servers
 * through the official SDKs; a simulated Exotel caller speaks real recorded speech.
 */
let platform: InProcessPlatform | undefined;
let sarvam: FakeSarvam;
let openai: FakeOpenAI;
let gatewayUrl = '';
let apiUrl = '';

beforeAll(async () => {
  platform = await startInProcessPlatform({
    sarvam: { transcripts: ['Go forward ten meters.'] },
    openai: { reply: () => 'Sure, moving ten meters ahead. Anything else?' },
  });
  ({ sarvam, openai, gatewayUrl, apiUrl } = platform);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
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

function waitForRecord(callId: string) {
  return recordOf(apiUrl, callId);
}
