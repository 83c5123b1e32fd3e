import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCallEvents } from '@audexly/bus';
import type { AgentConfigInput, AnyEvent } from '@audexly/protocol';
import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import { fixtureTranscripts, speechFixtureRecordings, type ChatMessage, type OpenAIRequestLog } from '@audexly/testing';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';
import { spokenTurn } from './test/spoken-turns.js';
import { storeTestAgent, type TestAgent } from './test/test-agents.js';

/**
 * Completeness-aware end of turn (`turn.completeness`), as a caller experiences it: all six
 * services in-process on the real NATS, the fake Sarvam recognising the real recordings exactly
 * and mapping each to what the caller "says", a simulated Exotel caller who stops for 800 ms after
 * "my number is" and then reads the number.
 */

const ANNOUNCED = 'my number is';
const NUMBER = 'nine eight four five six seven three two one zero';
/** What each recording stands for in these calls. */
const SAYS: Record<string, string> = { 'ten of clubs': ANNOUNCED, 'five five': NUMBER };
const PAUSE_MS = 800;

const agents: TestAgent[] = [];
const scenarioOf = (messages: ChatMessage[]) => /Scenario (\w+)\./.exec(messages[0]?.content ?? '')?.[1] ?? '';

interface Outcome {
  call: SimulatedCall;
  events: AnyEvent[];
  chat: OpenAIRequestLog[];
}

async function callWithPause(
  platform: InProcessPlatform,
  tag: string,
  completeness: boolean,
  { speculate = false, pauseMs = PAUSE_MS, endOfTurnSilenceMs = 500 } = {},
): Promise<Outcome> {
  const config: AgentConfigInput = {
    id: `e2e-end-of-turn-${tag}-${randomUUID().slice(0, 8)}`,
    name: `e2e ${tag}`,
    prompt: `Scenario ${tag}. You are a test agent.`,
    greeting: 'Hello.',
    turn: { endOfTurnSilenceMs, completeness: { enabled: completeness }, speculate },
  };
  const agent = await storeTestAgent(platform.bus, config);
  agents.push(agent);
  const turn = await spokenTurn(8000, ['cards-001', 'cards-004'], pauseMs);
  const call = await simulateCall({
    url: platform.gatewayUrl,
    to: agent.number,
    audio: [turn.audio],
    quietMs: 1500,
    answerTimeoutMs: 20_000,
  });
  const events = await readCallEvents(platform.bus, call.callId);
  const chat = platform.openai.requests.filter(
    (r) => scenarioOf((r.body.messages as ChatMessage[] | undefined) ?? []) === tag,
  );
  return { call, events, chat };
}

const finals = (events: AnyEvent[]) => events.filter((e) => e.type === 'speech.final');
const userTexts = (request: OpenAIRequestLog | undefined) =>
  ((request?.body.messages as ChatMessage[] | undefined) ?? []).filter((m) => m.role === 'user').map((m) => m.content);

/**
 * Each case on both of Sarvam's sockets: `streaming` (a transcript per flush: a pause is flushed to
 * be judged) and `realtime` (interim transcripts: a pause is judged from them, nothing flushed).
 */
describe.each(['streaming', 'realtime'] as const)('on the %s socket', (endpoint) => {
  let platform: InProcessPlatform;
  let withRules: Promise<Outcome>;
  let fixed: Promise<Outcome>;
  let speculating: Promise<Outcome>;

  beforeAll(async () => {
    const recognise = fixtureTranscripts(await speechFixtureRecordings(8000));
    platform = await startInProcessPlatform({
      sarvam: {
        transcripts: (audio, rate) => {
          const heard = recognise(audio, rate);
          return heard
            .split(/(?<=ten of clubs) /)
            .map((part) => SAYS[part] ?? part)
            .join(' ');
        },
        sttLatencyMs: 100,
      },
      env: { STT_SARVAM_ENDPOINT: endpoint },
      // Far slower than the caller's pause, so a request started in it is still waiting when they read
      // on. On the realtime socket it starts at the probe, 150 ms into the 500 ms pause, and the
      // caller's resumption is heard ≈ 100 ms after it: 700 ms left too little room on a busy machine.
      openai: { reply: () => 'Thank you, noted.', firstTokenMs: 1200 },
    });
    withRules = callWithPause(platform, `eotrules${endpoint}`, true);
    fixed = callWithPause(platform, `eotfixed${endpoint}`, false);
    // A 500 ms pause inside a fixed 900 ms end of turn: probed at 150 ms, the probe's answer is in
    // (100 ms) well before the caller reads on, and the pause is far from ending the turn. Where the
    // VAD hears the pause begin and end moves with the 100 ms frames against its 32 ms windows, so
    // both margins are wide (a 350 ms pause in a 500 ms end of turn failed 2 runs in 5).
    speculating = callWithPause(platform, `eotspec${endpoint}`, false, {
      speculate: true,
      pauseMs: 500,
      endOfTurnSilenceMs: 900,
    });
    // Each settles before the platform stops, whichever test runs (afterAll awaits them).
    for (const outcome of [withRules, fixed, speculating]) outcome.catch(() => undefined);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([withRules, fixed, speculating]);
    await Promise.allSettled(agents.splice(0).map((a) => a.remove()));
    await platform?.stop();
  }, 60_000);

  describe('end of turn judged by what was said (turn.completeness)', () => {
    it('a caller who pauses after "my number is" gets one turn and one answer, with the whole number', async () => {
      const { call, events, chat } = await withRules;
      expect(call.violations).toEqual([]);
      expect(call.turns[0]!.answered).toBe(true);
      expect(finals(events)).toHaveLength(1);
      expect(finals(events)[0]).toMatchObject({ utterance: 1, text: `${ANNOUNCED} ${NUMBER}` });
      expect(events.some((e) => e.type === 'reply.segment' && e.turn === 2)).toBe(false);
      expect(call.clears).toBe(0);
      expect(chat).toHaveLength(1);
      expect(userTexts(chat[0])).toEqual([`${ANNOUNCED} ${NUMBER}`]);
    }, 60_000);

    it('speculating: the answer started at the pause is aborted when the caller reads on; nothing of it is heard or remembered', async () => {
      const { call, events, chat } = await speculating;
      expect(call.violations).toEqual([]);
      expect(call.turns[0]!.answered).toBe(true);
      expect(events.filter((e) => e.type === 'speech.tentative').map((e) => (e as { text: string }).text)).toEqual([
        ANNOUNCED,
        `${ANNOUNCED} ${NUMBER}`,
      ]);
      expect(events.some((e) => e.type === 'speech.resumed')).toBe(true);
      // The request started on "my number is" was aborted; the one on the whole number answered.
      expect(chat).toHaveLength(2);
      expect(userTexts(chat[0])).toEqual([ANNOUNCED]);
      expect(chat[0]).toMatchObject({ closedByClient: true });
      expect(userTexts(chat[1])).toEqual([`${ANNOUNCED} ${NUMBER}`]);
      expect(chat[1]).toMatchObject({ closedByClient: false });
      expect(finals(events)).toHaveLength(1);
      const said = events
        .filter((e) => e.type === 'reply.segment' && e.turn === 1)
        .map((e) => (e as { text: string }).text);
      expect(said).toEqual(['Thank you, noted.']);
      expect(call.clears).toBe(0);
    }, 60_000);

    it('with the fixed 500 ms silence the same pause ends the turn: two turns, the first answered too soon', async () => {
      const { events, chat } = await fixed;
      expect(finals(events).map((e) => (e as { text: string }).text)).toEqual([ANNOUNCED, NUMBER]);
      expect(userTexts(chat.at(-1))).toEqual([ANNOUNCED, NUMBER]);
    }, 60_000);
  });
});
