import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCallEvents } from '@audexly/bus';
import type { AnyEvent } from '@audexly/protocol';
import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import { fixtureTranscripts, speechFixtureRecordings, type ChatMessage, type FakeSarvam } from '@audexly/testing';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';
import { spokenTurn } from './test/spoken-turns.js';
import { storeTestAgent, type TestAgent } from './test/test-agents.js';

/**
 * Speech synthesised during a speculation (`turn.speculateTts`), as a caller experiences it: all
 * six services in-process on the real NATS, the fake Sarvam recognising the real recordings, a
 * fake model fast enough that the speculation's first sentence is written long before the end of
 * the turn (a fixed end of turn well above the pause probe), and a reply that repeats what the
 * model was asked, so a speculation on part of the utterance answers differently from the turn.
 */

const agents: TestAgent[] = [];
const scenarioOf = (messages: ChatMessage[]) => /Scenario (\w+)\./.exec(messages[0]?.content ?? '')?.[1] ?? '';

/** The model repeats the caller's last words, tagged with the call's scenario. */
function reply(messages: ChatMessage[]): string {
  const said = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  return `Scenario ${scenarioOf(messages)} heard ${said}.`;
}

interface Outcome {
  call: SimulatedCall;
  events: AnyEvent[];
  /** The texts TTS asked the fake Sarvam to speak for this call (the greeting aside). */
  synthesised: string[];
}

/** The texts of every TTS socket that name the scenario. */
function ttsTextsOf(sarvam: FakeSarvam, tag: string): string[] {
  return sarvam.requests
    .filter((r) => r.endpoint === 'tts-ws')
    .flatMap((r) => r.texts)
    .filter((t) => t.includes(`Scenario ${tag} `));
}

async function call(
  platform: InProcessPlatform,
  tag: string,
  turn: { names: Parameters<typeof spokenTurn>[1]; pauseMs: number },
  endOfTurnSilenceMs: number,
): Promise<Outcome> {
  const agent = await storeTestAgent(platform.bus, {
    id: `e2e-speech-ahead-${tag}-${randomUUID().slice(0, 8)}`,
    name: `e2e ${tag}`,
    prompt: `Scenario ${tag}. You are a test agent.`,
    greeting: 'Hello.',
    turn: { endOfTurnSilenceMs, speculate: true, speculateTts: true },
  });
  agents.push(agent);
  const spoken = await spokenTurn(8000, turn.names, turn.pauseMs);
  const simulated = await simulateCall({
    url: platform.gatewayUrl,
    to: agent.number,
    audio: [spoken.audio],
    quietMs: 1500,
    answerTimeoutMs: 20_000,
  });
  const events = await readCallEvents(platform.bus, simulated.callId);
  return { call: simulated, events, synthesised: ttsTextsOf(platform.sarvam, tag) };
}

const ofType = <T extends AnyEvent['type']>(events: AnyEvent[], type: T) =>
  events.filter((e): e is Extract<AnyEvent, { type: T }> => e.type === type);

describe.each(['streaming', 'realtime'] as const)('on the %s socket', (endpoint) => {
  let platform: InProcessPlatform;
  let used: Promise<Outcome>;
  let spokeOn: Promise<Outcome>;

  beforeAll(async () => {
    const recognise = fixtureTranscripts(await speechFixtureRecordings(8000));
    platform = await startInProcessPlatform({
      sarvam: { transcripts: recognise, sttLatencyMs: 100, ttsFirstByteMs: 200 },
      env: { STT_SARVAM_ENDPOINT: endpoint },
      openai: { reply, firstTokenMs: 100 },
    });
    // One utterance; the turn ends after 1200 ms of silence, the speculation starts at the 150 ms
    // probe and its one-sentence answer is written ≈ 100 ms after the probe's transcript.
    used = call(platform, `ahead${endpoint}`, { names: ['cards-001'], pauseMs: 0 }, 1200);
    // A 900 ms pause inside a 1500 ms end of turn: the speculation on the first half writes its
    // sentence (synthesised ahead), then the caller speaks on.
    spokeOn = call(platform, `spokeon${endpoint}`, { names: ['cards-001', 'cards-004'], pauseMs: 900 }, 1500);
    for (const outcome of [used, spokeOn]) outcome.catch(() => undefined);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([used, spokeOn]);
    await Promise.allSettled(agents.splice(0).map((a) => a.remove()));
    await platform?.stop();
  }, 60_000);

  it('the first sentence is synthesised before the turn ends, once, and is what the caller hears', async () => {
    const { call: c, events, synthesised } = await used;
    expect(c.violations).toEqual([]);
    expect(c.turns[0]!.answered).toBe(true);
    const [final] = ofType(events, 'speech.final');
    const prepares = ofType(events, 'reply.prepare');
    const segments = ofType(events, 'reply.segment').filter((e) => e.turn === 1);
    expect(segments.map((e) => e.text)).toEqual([`Scenario ahead${endpoint} heard ${final!.text}.`]);
    // Prepared from the speculation before the end of the turn was confirmed…
    expect(prepares.map((e) => [e.utterance, e.text])).toEqual([[1, segments[0]!.text]]);
    expect(prepares[0]!.timelineMs).toBeLessThan(final!.timelineMs);
    // …and synthesised once: the turn's segment took that audio over.
    expect(synthesised).toEqual([segments[0]!.text]);
    expect(ofType(events, 'playback.segment-played').some((e) => e.turn === 1 && e.segment === 0)).toBe(true);
  }, 60_000);

  it('a sentence synthesised ahead of a caller who then speaks on is never heard: the turn says its own', async () => {
    const { call: c, events, synthesised } = await spokeOn;
    expect(c.violations).toEqual([]);
    expect(c.turns[0]!.answered).toBe(true);
    expect(events.some((e) => e.type === 'speech.resumed')).toBe(true);
    const finals = ofType(events, 'speech.final');
    expect(finals).toHaveLength(1);
    const answer = `Scenario spokeon${endpoint} heard ${finals[0]!.text}.`;
    const prepares = ofType(events, 'reply.prepare').map((e) => e.text);
    // The pause's speculation wrote its sentence on the first half (synthesised, then dropped); the
    // one at the end of the utterance wrote the answer the turn gave.
    expect(prepares).toHaveLength(2);
    expect(prepares[0]).not.toBe(answer);
    expect(prepares[1]).toBe(answer);
    expect(synthesised).toEqual([prepares[0], answer]);
    const segments = ofType(events, 'reply.segment').filter((e) => e.turn >= 1);
    expect(segments.map((e) => e.text)).toEqual([answer]);
    expect(c.clears).toBe(0);
  }, 60_000);
});
