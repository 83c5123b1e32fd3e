/**
 * Which call an outbound stream token admits. The token names the api's outbound request (its
 * ref), not a call: the api mints it before Exotel has given the call a CallSid. As soon as
 * Exotel accepts the call, the api records ref → CallSid in KV `outbound`
 * (`outboundBindingKey(ref)`), seconds before Exotel opens the stream (the customer's phone has
 * to ring and be answered first). At the upgrade the gateway reads that CallSid and gives it to
 * the session as the token's call, so a `start` with any other `call_sid` is closed (1008), as
 * with per-call tokens. A binding not there yet is waited for briefly, then the upgrade is refused.
 */
import { BUCKETS, openBucket, type Bus } from '@audexly/bus';
import { delay, outboundBindingKey, outboundBindingSchema, type OutboundBinding } from '@audexly/protocol';
import type { AuthOutcome } from './edge-auth.js';

/** Where bindings are read from (KV `outbound`; tests pass a fake). */
export interface BindingSource {
  read(ref: string): Promise<OutboundBinding | null>;
}

export interface BindingWait {
  /** How long to wait for a binding the api has not written yet; well under Exotel's 10 s handshake timeout. */
  waitMs: number;
  pollMs: number;
  sleep(ms: number): Promise<void>;
}

const DEFAULT_WAIT: BindingWait = { waitMs: 3000, pollMs: 100, sleep: (ms) => delay(ms) };

export class OutboundBindings {
  private readonly wait: BindingWait;

  constructor(
    private readonly source: BindingSource,
    wait: Partial<BindingWait> = {},
  ) {
    this.wait = { ...DEFAULT_WAIT, ...wait };
  }

  /** The CallSid the api placed with `ref`, or null when none appears within the wait. */
  async callSidFor(ref: string): Promise<string | null> {
    const polls = Math.ceil(this.wait.waitMs / this.wait.pollMs);
    for (let poll = 0; ; poll++) {
      const binding = await this.source.read(ref);
      if (binding) return binding.callSid;
      if (poll >= polls) return null;
      await this.wait.sleep(this.wait.pollMs);
    }
  }
}

/** Bindings in KV `outbound`, as the api writes them; a value that fails its schema counts as none. */
export function kvBindingSource(bus: Bus): BindingSource {
  let kv: ReturnType<typeof openBucket> | undefined;
  return {
    async read(ref) {
      kv ??= openBucket(bus, BUCKETS.outbound);
      let entry;
      try {
        entry = await (await kv).get(outboundBindingKey(ref));
      } catch (err) {
        kv = undefined;
        throw err;
      }
      if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return null;
      let value: unknown;
      try {
        value = entry.json();
      } catch {
        return null;
      }
      const parsed = outboundBindingSchema.safeParse(value);
      return parsed.success ? parsed.data : null;
    },
  };
}

/**
 * Completes the check of an outbound stream token: the outcome gets the CallSid of the token's
 * call, or becomes a refusal when the api placed no call with it. Other outcomes pass unchanged.
 * Without bindings (NATS not connected yet) an outbound token is refused: it is never admitted unbound.
 */
export async function bindOutboundToken(
  outcome: AuthOutcome,
  bindings: OutboundBindings | undefined,
): Promise<AuthOutcome> {
  if (!outcome.ok || outcome.outboundRef === undefined) return outcome;
  if (!bindings) return { ok: false, status: 401, reason: 'outbound token before the gateway is connected' };
  const callSid = await bindings.callSidFor(outcome.outboundRef);
  if (callSid === null)
    return { ok: false, status: 401, reason: 'outbound token of no call the api placed (no binding in KV outbound)' };
  return { ...outcome, callSid };
}
