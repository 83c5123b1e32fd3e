import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@audexly/bus';
import { FakeLlm } from '@audexly/providers/testing';
import { connectTestBus, withCall } from './test/harness.js';

let bus: Bus;
beforeAll(async () => {
  bus = await connectTestBus();
});
afterAll(async () => {
  await bus.drain();
});

describe('idle caller and call limits', () => {
  it('re-prompts a silent caller once the agent has been heard, then says goodbye and hangs up', async () => {
    const limits = { idleRepromptMs: 1000, idleHangupMs: 2000 };
    await withCall(bus, new FakeLlm(), { limits }, {}, async (t) => {
      t.started();
      await t.doneOf(0);
      // Nothing happens until the greeting has been heard.
      await new Promise((r) => setTimeout(r, 1200));
      expect(t.replies.seen).toHaveLength(2);
      const heardAt = Date.now();
      t.played(0, 0);
      await t.doneOf(0, 2);
      const repromptMs = Date.now() - heardAt;
      expect(t.replies.seen.filter((e) => e.type === 'reply.segment')).toMatchObject([
        { turn: 0, segment: 0, text: 'Namaste! How can I help you today?' },
        { turn: 0, segment: 1, text: 'Are you still there?' },
      ]);
      expect(repromptMs).toBeGreaterThanOrEqual(900);
      await t.control.until((e) => e.type === 'control.hangup');
      expect(Date.now() - heardAt).toBeGreaterThanOrEqual(1900);
      await t.doneOf(0, 3);
      expect(t.replies.seen.filter((e) => e.type === 'reply.segment').at(-1)).toMatchObject({ turn: 0, segment: 2, text: 'Thank you for calling. Goodbye!' });
      expect(t.control.seen).toMatchObject([{ type: 'control.hangup', reason: 'caller-idle', afterTurn: 0 }]);
    });
  });

  it('caller speech stops the idle clock', async () => {
    const limits = { idleRepromptMs: 1000, idleHangupMs: 2000 };
    await withCall(bus, new FakeLlm({ delayMs: 2 }), { limits }, {}, async (t) => {
      t.started();
      await t.doneOf(0);
      t.played(0, 0);
      await new Promise((r) => setTimeout(r, 600));
      t.speech(1, 'Hello');
      await t.doneOf(1);
      // Turn 1 is never confirmed as heard: no re-prompt, no hang-up.
      await new Promise((r) => setTimeout(r, 1500));
      expect(t.replies.seen.filter((e) => e.type === 'reply.segment').map((e) => e.type === 'reply.segment' && e.text)).toEqual(['Namaste! How can I help you today?', 'You said: Hello']);
      expect(t.control.seen).toEqual([]);
    });
  });

  it('ends the call with a goodbye when it reaches the maximum duration', async () => {
    const maxCallMs = 10_000;
    // A call that started almost maxCallMs ago.
    await withCall(bus, new FakeLlm(), { greeting: '', limits: { maxCallMs } }, {}, async (t) => {
      await t.control.until((e) => e.type === 'control.hangup');
      expect(t.control.seen).toMatchObject([{ type: 'control.hangup', reason: 'max-duration' }]);
      await t.replies.until((e) => e.type === 'reply.done');
      expect(t.replies.seen).toMatchObject([{ type: 'reply.segment', text: 'Thank you for calling. Goodbye!' }, { type: 'reply.done' }]);
    }, { startedAt: Date.now() - maxCallMs + 300 });
  });
});
