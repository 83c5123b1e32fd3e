/** Failover wiring for one call: watches the instances holding its stages and re-claims a lost one. */
import { ErrorCode, type CallDescriptor } from '@audexly/protocol';
import type { ClaimResult } from '@audexly/bus';
import type { CallContext } from './call-context.js';
import { CallFailover } from './call-failover.js';

/** Starts failover for the call (undefined without stage heartbeats); `apologise` ends it when no instance can take a lost stage. */
export function watchStages(ctx: CallContext, call: CallDescriptor, results: readonly ClaimResult[], apologise: (detail: string) => void): CallFailover | undefined {
  const watch = ctx.deps.stageWatch;
  if (!watch) return undefined;
  const failover = new CallFailover({
    call,
    watch,
    claim: ctx.deps.claim,
    log: ctx.log,
    metrics: ctx.deps.metrics,
    live: () => ctx.state === 'live',
    announce: (stage, instanceId, previousInstanceId, lastHeartbeatAt) =>
      ctx.publish('control', { type: 'control.reassigned', stage, instanceId, previousInstanceId, lastHeartbeatAt }),
    lost: (stage) => {
      // Its unfinished segment never gets its closing message: play what came and move on.
      if (stage === 'tts') {
        const ended = ctx.playout?.endOpenSegments() ?? 0;
        if (ended > 0) ctx.log.warn({ segments: ended }, 'ended agent segments left open by the lost TTS instance');
      }
    },
    noCapacity: (stage, detail) => {
      ctx.publish('error', { type: 'error', stage: 'gateway', code: ErrorCode.noCapacity, message: `no capacity: ${detail}`, retryable: true, turn: null });
      apologise(detail);
    },
  });
  failover.start(results);
  return failover;
}
