import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import { fixtureTranscripts, fixtureWords, speechFixture, speechFixtureRecordings } from '@audexly/testing';
import { waitForRecord } from './test/call-records.js';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';
import { userMessagesOf } from './test/spoken-turns.js';

/**
 * A rolling restart of the gateway with a live call: two gateways on the same stages (as two
 * replicas behind Exotel's load balancer). Gateway A gets SIGTERM's drain while its call is in its
 * second turn: its health turns 503 at once (the balancer sends new calls to B), the live call goes
 * on to its end with every turn answered, A stops once the call is over, and a replacement A'
 * takes calls again. No call dropped, no turn lost, every record complete.
 */
const RATE = 8000;
let platform: InProcessPlatform | undefined;

beforeAll(async () => {
  platform = await startInProcessPlatform({
    sarvam: { transcripts: fixtureTranscripts(await speechFixtureRecordings(RATE)) },
    openai: { reply: () => 'Okay.' },
    env: {
      AGENT_GREETING: 'Hello.',
      AGENT_PROMPT: 'You are a test agent. The caller is {{caller}}.',
      // Live calls may finish: the drain waits for them (Kubernetes gives the gateway 90 s).
      DRAIN_TIMEOUT_MS: '60000',
    },
  });
}, 60_000);

afterAll(async () => {
  await platform?.stop();
}, 90_000);

function call(url: string, from: string, turns: number): Promise<SimulatedCall> {
  const audio = ['goforward', 'numbers', 'something']
    .slice(0, turns)
    .map((name) => speechFixture(name as 'goforward', RATE));
  return simulateCall({ url, sampleRate: RATE, from, audio, answerTimeoutMs: 20_000 });
}

describe('a rolling restart of the gateway', () => {
  it('drops no call and loses no turn: the draining gateway finishes its call, the other takes new ones', async () => {
    const p = platform!;
    const b = await p.startGateway();
    const live = call(p.gatewayUrl, '+919800002001', 3);
    // The first turn has been answered: the call is mid-conversation.
    await vi.waitFor(() => expect(userMessagesOf(p.openai, '+919800002001').length).toBeGreaterThanOrEqual(1), {
      timeout: 30_000,
      interval: 50,
    });
    const sigtermAt = Date.now();
    let stoppedAt = 0;
    const stopping = p.stopGateway().then(() => (stoppedAt = Date.now()));
    // A says at once that it takes no new calls (the load balancer's health check).
    await vi.waitFor(async () => expect((await fetch(`${p.gatewayHttp}/api/v1/health`)).status).toBe(503), {
      timeout: 2000,
      interval: 50,
    });
    // Meanwhile a new caller reaches B.
    const during = await call(b.gatewayUrl, '+919800002002', 1);
    const first = await live;
    const endedAt = Date.now();
    await stopping;
    // The replacement takes calls.
    const replacement = await p.startGateway();
    const after = await call(replacement.gatewayUrl, '+919800002003', 1);

    for (const c of [first, during, after]) expect(c.turns.every((t) => t.answered)).toBe(true);
    expect(first.turns).toHaveLength(3);
    expect(userMessagesOf(p.openai, '+919800002001')).toEqual(
      ['goforward', 'numbers', 'something'].map((n) => fixtureWords(n as 'goforward').text),
    );
    for (const c of [first, during, after]) {
      const record = await waitForRecord(p.apiUrl, c.callId, 30_000);
      expect(record.status).toBe('completed');
      expect(record.endReason).not.toBeNull();
    }
    console.log(
      `gateway rolling restart: the live call went on ${endedAt - sigtermAt} ms after SIGTERM (3/3 turns answered); ` +
        `the gateway stopped ${stoppedAt - endedAt} ms after its last call ended; a call placed on the other gateway meanwhile and one on the replacement were answered`,
    );
  }, 150_000);
});
