import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FamilyEvent, ReplySegment } from '@audexly/protocol';
import { FakeLlm } from '@audexly/providers/testing';
import { withCall } from './test/harness.js';

// The idle clock and the call's maximum length run on the test's clock: each check is exact.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const segments = (seen: FamilyEvent<'reply'>[]) => seen.filter((e): e is ReplySegment => e.type === 'reply.segment');

describe('idle caller and call limits', () => {
  it('re-prompts a silent caller once the agent has been heard, then says goodbye and hangs up', async () => {
    const limits = { idleRepromptMs: 1000, idleHangupMs: 2000 };
    await withCall(new FakeLlm(), { limits }, {}, async (t) => {
      t.started();
      await t.doneOf(0);
      // Nothing happens until the greeting has been heard.
      await vi.advanceTimersByTimeAsync(2500);
      expect(t.replies.seen).toHaveLength(2);
      t.played(0, 0);
      await vi.advanceTimersByTimeAsync(999);
      expect(t.replies.seen).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      await t.doneOf(0, 2);
      expect(segments(t.replies.seen)).toMatchObject([
        { turn: 0, segment: 0, text: 'Namaste! How can I help you today?' },
        { turn: 0, segment: 1, text: 'Are you still there?' },
      ]);
      await vi.advanceTimersByTimeAsync(998);
      expect(t.control.seen).toEqual([]);
      await vi.advanceTimersByTimeAsync(2);
      await t.control.until((e) => e.type === 'control.hangup');
      await t.doneOf(0, 3);
      expect(segments(t.replies.seen).at(-1)).toMatchObject({
        turn: 0,
        segment: 2,
        text: 'Thank you for calling. Goodbye!',
      });
      expect(t.control.seen).toMatchObject([{ type: 'control.hangup', reason: 'caller-idle', afterTurn: 0 }]);
    });
  });

  it('caller speech stops the idle clock', async () => {
    const limits = { idleRepromptMs: 1000, idleHangupMs: 2000 };
    await withCall(new FakeLlm(), { limits }, {}, async (t) => {
      t.started();
      await t.doneOf(0);
      // Speech right after the greeting was heard.
      t.played(0, 0);
      t.speech(1, 'Hello');
      await t.doneOf(1);
      // Turn 1 is never confirmed as heard: no re-prompt, no hang-up, however long the caller waits.
      await vi.advanceTimersByTimeAsync(5000);
      expect(segments(t.replies.seen).map((e) => e.text)).toEqual([
        'Namaste! How can I help you today?',
        'You said: Hello',
      ]);
      expect(t.control.seen).toEqual([]);
    });
  });

  it('ends the call with a goodbye when it reaches the maximum duration', async () => {
    const maxCallMs = 10_000;
    // A call that started almost maxCallMs ago.
    await withCall(
      new FakeLlm(),
      { greeting: '', limits: { maxCallMs } },
      {},
      async (t) => {
        await vi.advanceTimersByTimeAsync(299);
        expect(t.control.seen).toEqual([]);
        await vi.advanceTimersByTimeAsync(1);
        await t.control.until((e) => e.type === 'control.hangup');
        expect(t.control.seen).toMatchObject([{ type: 'control.hangup', reason: 'max-duration' }]);
        await t.replies.until((e) => e.type === 'reply.done');
        expect(t.replies.seen).toMatchObject([
          { type: 'reply.segment', text: 'Thank you for calling. Goodbye!' },
          { type: 'reply.done' },
        ]);
      },
      { startedAt: Date.now() - maxCallMs + 300 },
    );
  });
});
