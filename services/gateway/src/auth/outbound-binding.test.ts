import { describe, expect, it } from 'vitest';
import type { OutboundBinding } from '@audexly/protocol';
import type { AuthOutcome } from './edge-auth.js';
import { bindOutboundToken, OutboundBindings, type BindingSource } from './outbound-binding.js';

const SID_A = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const SID_B = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';
const outboundFor = (ref: string): AuthOutcome => ({
  ok: true,
  method: 'outbound-token',
  callSid: null,
  agentId: 'agent-42',
  outboundRef: ref,
});

/** KV `outbound` as a map the test writes to; `reads` counts lookups. */
function source(entries: Record<string, OutboundBinding>) {
  const counted = { reads: 0 };
  const src: BindingSource = {
    read(ref) {
      counted.reads++;
      return Promise.resolve(entries[ref] ?? null);
    },
  };
  return { src, counted };
}

/** A wait that never sleeps: each "sleep" may write what the api would have written meanwhile. */
function instantWait(onSleep: (n: number) => void = () => {}) {
  let sleeps = 0;
  return { waitMs: 3000, pollMs: 100, sleep: () => Promise.resolve(onSleep(++sleeps)) };
}

describe('binding an outbound stream token to its call', () => {
  const entries = { ob_A: { callSid: SID_A, expiresAt: 0 }, ob_B: { callSid: SID_B, expiresAt: 0 } };

  it("gives call A's token call A's CallSid, so the session closes a start with call B's (1008)", async () => {
    const bindings = new OutboundBindings(source(entries).src, instantWait());
    const forA = await bindOutboundToken(outboundFor('ob_A'), bindings);
    expect(forA).toMatchObject({ ok: true, method: 'outbound-token', agentId: 'agent-42', callSid: SID_A });
    expect(forA.ok && forA.callSid).not.toBe(SID_B);
  });

  it('refuses a token whose outbound request has no call, after waiting for the api to record it', async () => {
    const { src, counted } = source(entries);
    const bindings = new OutboundBindings(src, instantWait());
    expect(await bindOutboundToken(outboundFor('ob_never'), bindings)).toEqual({
      ok: false,
      status: 401,
      reason: 'outbound token of no call the api placed (no binding in KV outbound)',
    });
    expect(counted.reads).toBe(31);
  });

  it('admits a call whose binding the api writes while the gateway waits', async () => {
    const late: Record<string, OutboundBinding> = {};
    const bindings = new OutboundBindings(
      source(late).src,
      instantWait((n) => {
        if (n === 5) late.ob_late = { callSid: SID_A, expiresAt: 0 };
      }),
    );
    expect(await bindOutboundToken(outboundFor('ob_late'), bindings)).toMatchObject({ ok: true, callSid: SID_A });
  });

  it('refuses an outbound token before NATS is connected, and leaves other outcomes alone', async () => {
    expect(await bindOutboundToken(outboundFor('ob_A'), undefined)).toMatchObject({ ok: false, status: 401 });
    const basic: AuthOutcome = { ok: true, method: 'basic', callSid: null };
    const refused: AuthOutcome = { ok: false, status: 401, reason: 'no credentials' };
    expect(await bindOutboundToken(basic, undefined)).toBe(basic);
    expect(await bindOutboundToken(refused, undefined)).toBe(refused);
  });
});
