import { afterEach, describe, expect, it, vi } from 'vitest';
import { simulateCall } from '@audexly/simulator';
import { readCallEvents } from '@audexly/bus';
import {
  fixtureTranscripts,
  fixtureWords,
  loadSpeechFixture,
  speechFixtureRecordings,
  startOwnedNats,
  type OwnedNats,
} from '@audexly/testing';
import { holdsCallerAudio, waitForRecord } from './test/call-records.js';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';
import { userMessagesOf } from './test/spoken-turns.js';

/**
 * NATS dies (SIGKILL) in the middle of the caller's speech and comes back 1.5 s later on the same
 * store: every service reconnects, and the caller's words of that utterance still reach the agent
 * (the gateway held the caller's audio and delivered it again once the stages were back), the
 * recording holds the whole utterance, and the call record says what the outage cost.
 */
let nats: OwnedNats | undefined;
let platform: InProcessPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  await nats?.stop();
  platform = undefined;
  nats = undefined;
});

describe('a NATS restart in the middle of the caller’s speech', () => {
  it('loses none of the caller’s words, and the recording holds all of them', async () => {
    const rate = 8000;
    nats = await startOwnedNats();
    platform = await startInProcessPlatform({
      sarvam: { transcripts: fixtureTranscripts(await speechFixtureRecordings(rate)) },
      openai: { reply: () => 'Okay.' },
      env: {
        NATS_URL: nats.url,
        AGENT_GREETING: 'Hello.',
        AGENT_PROMPT: 'You are a test agent. The caller is {{caller}}.',
      },
    });
    const long = await loadSpeechFixture('librivox-0870', rate);
    const short = await loadSpeechFixture('goforward', rate);
    const from = '+919800000099';
    const calling = simulateCall({
      url: platform.gatewayUrl,
      sampleRate: rate,
      from,
      audio: [
        { pcm: long.pcm, sampleRate: rate, name: 'long' },
        { pcm: short.pcm, sampleRate: rate, name: 'short' },
      ],
      quietMs: 500,
      answerTimeoutMs: 20_000,
    });
    // 1.5 s into the long utterance (7.1 s), as Sarvam hears it, NATS dies; 1.5 s later it is back.
    const sttBytes = () =>
      platform!.sarvam.requests.filter((r) => r.endpoint === 'stt-ws').reduce((n, r) => n + r.audio.byteLength, 0);
    await vi.waitFor(() => expect(sttBytes()).toBeGreaterThan(1.5 * rate * 2), { timeout: 20_000, interval: 20 });
    await nats.kill('SIGKILL');
    const killedAt = Date.now();
    // Meanwhile the gateway says it cannot take calls (readiness), while it stays alive.
    const health = async () =>
      (await fetch(`${platform!.gatewayHttp}/api/v1/health`)).json() as Promise<{ status: string }>;
    await vi.waitFor(async () => expect(await health()).toMatchObject({ status: 'nats-unavailable' }), {
      timeout: 1000,
      interval: 50,
    });
    expect((await fetch(`${platform.gatewayHttp}/livez`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500 - (Date.now() - killedAt)));
    await nats.restart();
    const call = await calling;
    expect(await health()).toMatchObject({ status: 'ok' });

    expect(call.turns.map((t) => t.answered)).toEqual([true, true]);
    expect(userMessagesOf(platform.openai, from)).toEqual([
      fixtureWords('librivox-0870').text,
      fixtureWords('goforward').text,
    ]);

    // A NATS outage is not a stage failure: no stage was declared lost, none re-claimed.
    const events = await readCallEvents(platform.bus, call.callId);
    expect(events.filter((e) => e.type === 'control.reassigned')).toEqual([]);
    const metrics = await (await fetch(`${platform.gatewayHttp}/metrics`)).text();
    expect(metrics).not.toMatch(/audexly_gateway_reclaims_total\{[^}]*\} [1-9]/);

    const record = await waitForRecord(platform.apiUrl, call.callId, 30_000);
    expect(record.status).toBe('completed');
    // The recording's caller channel holds the long utterance sample for sample.
    const res = await fetch(`${platform.apiUrl}/api/v1/calls/${call.callId}/recording`);
    expect(holdsCallerAudio(Buffer.from(await res.arrayBuffer()), long.pcm)).toBe(true);
  }, 120_000);
});
