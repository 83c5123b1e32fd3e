import { afterEach, describe, expect, it } from 'vitest';
import { simulateCall } from '@audexly/simulator';
import { fixtureTranscripts, speechFixtureRecordings, SPEECH_FIXTURES, type FakeSarvamOptions } from '@audexly/testing';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';
import { spokenTurn, userMessagesOf, type SpokenTurn } from './test/spoken-turns.js';
import { defaultAgentFile } from './test/test-agents.js';

/**
 * Every caller utterance with speech reaches the model once, whatever the provider's segmentation:
 * the fake Sarvam segments the audio on its own VAD (as the real streaming STT does) and
 * "recognises" the recorded speech exactly, so the words the model was given can be compared with
 * the words the caller said.
 */

let platform: InProcessPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

async function start(
  rate: 8000 | 16000,
  sarvam: Omit<FakeSarvamOptions, 'apiKey'>,
  turn: { endOfTurnSilenceMs: number; speculate: boolean },
): Promise<InProcessPlatform> {
  // The default agent of the run: its prompt names the caller, so each call's requests can be told apart.
  const agent = {
    id: 'words',
    name: 'Words',
    prompt: 'You are a test agent. The caller is {{caller}}.',
    greeting: 'Hello.',
    turn,
  };
  platform = await startInProcessPlatform({
    sarvam: { transcripts: fixtureTranscripts(await speechFixtureRecordings(rate)), ...sarvam },
    openai: { reply: () => 'Okay.' },
    env: { AGENT_FILE: defaultAgentFile(agent) },
  });
  return platform;
}

async function callWith(p: InProcessPlatform, rate: 8000 | 16000, turns: SpokenTurn[], from: string) {
  return simulateCall({
    url: p.gatewayUrl,
    sampleRate: rate,
    from,
    audio: turns.map((t) => t.audio),
    quietMs: 400,
    answerTimeoutMs: 20_000,
  });
}

const orders = [
  // Sarvam hears the end of speech first (350 ms of silence) and sends the transcript unasked,
  // several per utterance when the caller pauses for 600 ms; the platform waits 900 ms.
  { name: 'provider first', sarvamEndOfSpeechMs: 350, endOfTurnSilenceMs: 900, pauseMs: 600 },
  // The platform ends the turn first (500 ms) and flushes; Sarvam would wait 900 ms.
  { name: 'platform first', sarvamEndOfSpeechMs: 900, endOfTurnSilenceMs: 500, pauseMs: 250 },
] as const;

describe.each([8000, 16000] as const)('every word the caller says reaches the agent once, at %i Hz', (rate) => {
  it.each(orders)(
    'when $name segments the speech',
    async (order) => {
      // Each rate meets the other silent-flush behaviour of Sarvam in each order: an empty transcript, or no answer at all.
      const silentFlush = (rate === 8000) === (order.name === 'provider first') ? 'ignore' : 'empty';
      const p = await start(
        rate,
        { sttEndOfSpeechMs: order.sarvamEndOfSpeechMs, sttSilentFlush: silentFlush, sttLatencyMs: 120 },
        // Provider first needs the platform to leave the pauses to Sarvam: speculation's pause probe
        // (150 ms) would flush before Sarvam's own end of speech (350 ms).
        { endOfTurnSilenceMs: order.endOfTurnSilenceMs, speculate: order.name !== 'provider first' },
      );
      const turns = [
        await spokenTurn(rate, ['goforward']),
        await spokenTurn(rate, ['cards-005']),
        await spokenTurn(rate, ['librivox-0880', 'cards-001'], order.pauseMs),
        await spokenTurn(rate, ['something']),
      ];
      const call = await callWith(p, rate, turns, '+919800000001');

      expect(call.turns.map((t) => t.answered)).toEqual(turns.map(() => true));
      expect(userMessagesOf(p.openai, '+919800000001')).toEqual(turns.map((t) => t.text));
      // The fake did segment on its own: in the provider-first order, more transcripts than flushes.
      const sent = p.sarvam.requests.filter((r) => r.endpoint === 'stt-ws').flatMap((r) => r.transcriptsSent);
      const unasked = sent.filter((s) => s.cause === 'end-of-speech' && s.transcript !== '').length;
      if (order.name === 'provider first') expect(unasked).toBeGreaterThan(turns.length);
      else expect(unasked).toBe(0);
    },
    120_000,
  );
});

describe('forty concurrent calls speaking different recordings', () => {
  it('answers every turn, and the agent hears every word once', async () => {
    const rate = 8000;
    // Sarvam's defaults: its end of speech (600 ms) races the platform's (500 ms) on every turn.
    const p = await start(rate, { sttLatencyMs: 150 }, { endOfTurnSilenceMs: 500, speculate: true });
    const calls = 40;
    const scripts = await Promise.all(
      Array.from({ length: calls }, async (_, i) => [
        await spokenTurn(rate, [SPEECH_FIXTURES[i % SPEECH_FIXTURES.length]!]),
        await spokenTurn(rate, [SPEECH_FIXTURES[(i + 5) % SPEECH_FIXTURES.length]!]),
      ]),
    );
    const caller = (i: number) => `+9198100${String(i).padStart(5, '0')}`;
    const results = await Promise.all(
      scripts.map(async (turns, i) => {
        // Starts spread over 2 s, as real calls arrive.
        await new Promise((r) => setTimeout(r, i * 50));
        return callWith(p, rate, turns, caller(i));
      }),
    );
    const unanswered = results.flatMap((call, i) =>
      call.turns.filter((t) => !t.answered).map((t) => `call ${i} turn ${t.turn}`),
    );
    expect(unanswered).toEqual([]);
    const wrong = scripts.flatMap((turns, i) => {
      const heard = userMessagesOf(p.openai, caller(i));
      const said = turns.map((t) => t.text);
      return JSON.stringify(heard) === JSON.stringify(said) ? [] : [{ call: i, said, heard }];
    });
    expect(wrong).toEqual([]);
  }, 240_000);
});
