/**
 * Starting an accepted call: the agent is picked by the dialled number, the call descriptor is
 * built, and every stage is claimed; then `call.started` goes out and the call is live. When a
 * stage cannot be claimed the caller hears the apology instead.
 */
import { ErrorCode, callDescriptorSchema, type CallDescriptor, type SampleRate } from '@audexly/protocol';
import type { ClaimResult } from '@audexly/bus';
import type { CallContext } from './call-context.js';
import { claimAll } from './claims.js';
import type { StartFrame } from './exotel/protocol.js';

/** What happens once the claims are answered. */
export interface CallStartSteps {
  /** No capacity: the apology, then the end. */
  apologise(detail: string): void;
  /** The call is live: failover watches these instances. */
  watchStages(call: CallDescriptor, results: readonly ClaimResult[]): void;
  /** The call is live: held caller audio goes out. */
  goLive(): void;
}

/** Picks the agent by the dialled number, then claims the stages. */
export async function beginCall(ctx: CallContext, frame: StartFrame, sampleRate: SampleRate, startedAt: number, steps: CallStartSteps): Promise<void> {
  const { agent, source } = await ctx.deps.agentFor(frame.to);
  if (ctx.state === 'ended') return;
  const call = callDescriptorSchema.parse({
    callId: ctx.callId,
    callSid: frame.callSid,
    streamSid: frame.streamSid,
    accountSid: frame.accountSid,
    from: frame.from,
    to: frame.to,
    direction: ctx.deps.direction ?? 'inbound',
    sampleRate,
    customParameters: frame.customParameters,
    startedAt,
    agent: { ...agent, sampleRate },
  });
  ctx.call = call;
  if (agent.sampleRate !== sampleRate) ctx.log.info({ agentRate: agent.sampleRate, callRate: sampleRate }, "call rate differs from the agent's; the call's rate wins");
  ctx.log.info({ agentId: agent.id, agentSource: source }, 'agent chosen');
  await claimStages(ctx, call, steps);
}

async function claimStages(ctx: CallContext, call: CallDescriptor, steps: CallStartSteps): Promise<void> {
  const began = ctx.clock.now();
  let outcome;
  try {
    await ctx.deps.bus.flush();
    outcome = await claimAll(ctx.deps.claim, call);
  } catch (err) {
    ctx.log.error({ err }, 'claiming stages failed');
    outcome = { ok: false, failed: [], results: [] };
  }
  ctx.deps.metrics.claimMs.observe(ctx.clock.now() - began);
  if (ctx.state === 'ended') return; // the socket went away meanwhile; call.ended is out
  if (!outcome.ok) {
    const detail = outcome.failed.map((f) => `${f.stage}: ${f.reason}`).join(', ') || 'claim failed';
    ctx.log.warn({ failed: outcome.failed }, 'no capacity for the call');
    ctx.publish('error', { type: 'error', stage: 'gateway', code: ErrorCode.noCapacity, message: `no capacity: ${detail}`, retryable: true, turn: null });
    steps.apologise(detail);
    return;
  }
  ctx.publish('lifecycle', { type: 'call.started', call });
  ctx.state = 'live';
  steps.watchStages(call, outcome.results);
  ctx.log.info({ claimMs: Math.round(ctx.clock.now() - began), instances: outcome.results.map((r) => (r.ok ? `${r.stage}:${r.instanceId}` : r.stage)) }, 'call started');
  steps.goLive();
}
