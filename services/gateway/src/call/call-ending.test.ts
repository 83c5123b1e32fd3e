import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { agentConfigSchema } from '@audexly/protocol';
import { createLogger } from '@audexly/telemetry';
import { systemClock } from '../pacer.js';
import type { TransferDecision } from '../telephony/transfers.js';
import { CallEnding } from './call-ending.js';

/** A call ending against a fake speech: `heard`/`quiet` are set by the test. */
function setup() {
  const speech = { heardTurns: new Set<number>(), quiet: false };
  const ends: string[] = [];
  const errors: string[] = [];
  const saved: TransferDecision[] = [];
  const ending = new CallEnding({
    speech: { heard: (turn) => speech.heardTurns.has(turn), quietFor: () => speech.quiet },
    bus: { publish: (_family: string, event: { code?: string }) => errors.push(event.code ?? '') } as never,
    end: (reason, detail) => ends.push(`${reason}:${detail}`),
    saveTransfer: (decision) => {
      saved.push(decision);
      return Promise.resolve();
    },
    clock: systemClock,
    log: createLogger({ service: 'test', level: 'silent' }),
    hangupTimeoutMs: 5000,
  });
  return { ending, speech, ends, errors, saved };
}

const agent = (transferNumber: string | null) =>
  agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p', tools: { transferNumber } });

describe('CallEnding', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('hangs up only once the turn was heard and the agent went quiet', async () => {
    const { ending, speech, ends } = setup();
    ending.hangup(2, 'goodbye');
    await vi.advanceTimersByTimeAsync(500);
    expect(ends).toEqual([]);
    speech.heardTurns.add(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(ends).toEqual([]);
    speech.quiet = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(ends).toEqual(['agent-hangup:goodbye']);
  });

  it('hangs up at the timeout when the turn is never heard', async () => {
    const { ending, ends } = setup();
    ending.hangup(2, '');
    await vi.advanceTimersByTimeAsync(5100);
    expect(ends).toEqual(['agent-hangup:hang-up timeout']);
  });

  it('a second ending while one is under way is ignored', async () => {
    const { ending, speech, ends } = setup();
    speech.heardTurns.add(1);
    speech.quiet = true;
    ending.hangup(1, 'first');
    ending.hangup(1, 'second');
    await vi.advanceTimersByTimeAsync(100);
    expect(ends).toEqual(['agent-hangup:first']);
  });

  it("transfers only to the agent's own number, stored before the socket closes", async () => {
    const { ending, speech, ends, saved } = setup();
    speech.heardTurns.add(3);
    speech.quiet = true;
    ending.transfer(agent('08047491899'), { callId: 'c1', callSid: 's1' }, '+910000000000', 3, 'wants a human');
    await vi.advanceTimersByTimeAsync(100);
    expect(saved).toMatchObject([{ callId: 'c1', callSid: 's1', to: '+918047491899', reason: 'wants a human' }]);
    expect(ends).toEqual(['transfer:wants a human']);
  });

  it('with no transfer number, reports the refusal and hangs up instead', async () => {
    const { ending, speech, ends, errors, saved } = setup();
    speech.heardTurns.add(3);
    speech.quiet = true;
    ending.transfer(agent(null), { callId: 'c1', callSid: 's1' }, '+919800000000', 3, 'wants a human');
    await vi.advanceTimersByTimeAsync(100);
    expect(saved).toEqual([]);
    expect(errors).toEqual(['AUDEXLY_ERR_BAD_INPUT']);
    expect(ends).toEqual(['agent-hangup:transfer refused: no transfer number']);
  });

  it('after stop, nothing more ends the call', async () => {
    const { ending, speech, ends } = setup();
    ending.hangup(1, 'bye');
    ending.stop();
    speech.heardTurns.add(1);
    speech.quiet = true;
    await vi.advanceTimersByTimeAsync(6000);
    expect(ends).toEqual([]);
  });
});
