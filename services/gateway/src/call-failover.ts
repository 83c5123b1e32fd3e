/**
 * Failover for one live call: which instance holds each stage (from the claim replies), watched
 * through {@link StageWatch}. When one is declared gone, the stage is claimed again with the same
 * call descriptor, marked as a re-claim (the new instance recovers from the event log), and
 * `control.reassigned` tells the stage's instances who owns the call now: a stale instance that
 * comes back (it was only paused) drops the call on seeing it, and until then the gateway plays no
 * `audio.out` stamped by an instance that lost the call. When no instance can take the stage, the
 * call ends as `no-capacity` (after the apology), as when the first claim fails.
 */
import type { CallDescriptor, Stage } from '@audexly/protocol';
import type { ClaimResult } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import type { ClaimFunction } from './claims.js';
import type { GatewayMetrics } from './metrics.js';
import type { StageLoss, StageWatch } from './stage-watch.js';

export interface CallFailoverDeps {
  call: CallDescriptor;
  watch: StageWatch;
  claim: ClaimFunction;
  log: Logger;
  metrics: GatewayMetrics;
  /** The session still runs (re-claims of an ended call are dropped). */
  live(): boolean;
  /** Publishes `control.reassigned` for the call. */
  announce(stage: Stage, instanceId: string, previousInstanceId: string, lastHeartbeatAt: number | null): void;
  /** A stage instance was declared gone (before the re-claim): the TTS one leaves its segment unended. */
  lost(stage: Stage, instanceId: string): void;
  /** No instance could take the stage again. */
  noCapacity(stage: Stage, detail: string): void;
}

export class CallFailover {
  private readonly owners = new Map<Stage, { instanceId: string; unwatch: () => void }>();
  /** Instances that held a stage of this call and lost it: their audio is ignored. */
  private readonly retired = new Set<string>();
  private stopped = false;

  constructor(private readonly deps: CallFailoverDeps) {}

  /** Starts watching the instances that answered the call's claims. */
  start(results: readonly ClaimResult[]): void {
    for (const result of results) if (result.ok) this.own(result.stage, result.instanceId);
  }

  /** The instance holding `stage` for the call, if known. */
  owner(stage: Stage): string | undefined {
    return this.owners.get(stage)?.instanceId;
  }

  /** Whether audio stamped with `instanceId` (`Audexly-Instance`; absent = unknown) may be played. */
  accepts(instanceId: string | undefined): boolean {
    return instanceId === undefined || !this.retired.has(instanceId);
  }

  stop(): void {
    this.stopped = true;
    for (const { unwatch } of this.owners.values()) unwatch();
    this.owners.clear();
  }

  private own(stage: Stage, instanceId: string): void {
    this.owners.get(stage)?.unwatch();
    const unwatch = this.deps.watch.watch(this.deps.call.callId, stage, instanceId, (loss) => this.onLost(loss));
    this.owners.set(stage, { instanceId, unwatch });
  }

  private onLost(loss: StageLoss): void {
    if (this.stopped || !this.deps.live()) return;
    const { stage, instanceId, reason, lastBeatAt } = loss;
    this.retired.add(instanceId);
    this.owners.delete(stage);
    this.deps.log.warn({ stage, previousInstanceId: instanceId, reason, silentMs: lastBeatAt === null ? null : Date.now() - lastBeatAt }, 'stage instance lost; re-claiming the stage');
    this.deps.lost(stage, instanceId);
    this.reclaim(loss).catch((err: unknown) => this.deps.log.error({ err, stage }, 're-claiming a stage failed'));
  }

  private async reclaim({ stage, instanceId: previous, lastBeatAt }: StageLoss): Promise<void> {
    const began = Date.now();
    let result: ClaimResult;
    try {
      result = await this.deps.claim(stage, this.deps.call, { reclaim: true });
    } catch {
      result = { ok: false, stage, reason: 'timeout' };
    }
    if (this.stopped || !this.deps.live()) return;
    const answeredAt = Date.now();
    if (!result.ok) {
      this.deps.metrics.reclaims.inc({ stage, outcome: 'failed' });
      this.deps.log.warn({ stage, previousInstanceId: previous, reason: result.reason }, 'no instance could take the stage again');
      this.deps.noCapacity(stage, `${stage}: ${result.reason} after failover`);
      return;
    }
    const failoverMs = lastBeatAt === null ? null : answeredAt - lastBeatAt;
    if (failoverMs !== null) this.deps.metrics.failoverMs.observe({ stage }, failoverMs);
    if (result.instanceId === previous) {
      // It answered after all (it was slow, not gone): it still holds the call.
      this.retired.delete(previous);
      this.deps.metrics.reclaims.inc({ stage, outcome: 'same-instance' });
      this.deps.log.warn({ stage, instanceId: previous, failoverMs }, 'the lost stage instance answered the re-claim; it keeps the call');
      this.own(stage, previous);
      return;
    }
    this.retired.delete(result.instanceId);
    this.own(stage, result.instanceId);
    this.deps.announce(stage, result.instanceId, previous, lastBeatAt);
    this.deps.metrics.reclaims.inc({ stage, outcome: 'moved' });
    this.deps.log.warn({ stage, previousInstanceId: previous, instanceId: result.instanceId, failoverMs, claimMs: answeredAt - began }, 'stage re-claimed on another instance');
  }
}
