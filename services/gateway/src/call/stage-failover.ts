/**
 * Failover for one live call: which instance holds each stage (from the claim replies), watched
 * through {@link StageWatch}. When one is declared gone, the stage is claimed again with the same
 * call descriptor, marked as a re-claim (the new instance recovers from the event log), and
 * `control.reassigned` tells the stage's instances who owns the call now: a stale instance that
 * comes back (it was only paused) drops the call on seeing it, and until then the gateway plays no
 * `audio.out` stamped by an instance that lost the call (`lost` tells whoever plays the audio). When no instance can take the stage, the
 * call ends as `no-capacity` (after the apology), as when the first claim fails.
 *
 * An instance that gives a live call up itself (`control.released`: its drain deadline passed) is
 * treated as lost for that call at once: the same re-claim, without waiting for its heartbeats to
 * stop listing the call.
 */
import type { CallDescriptor, Stage } from '@audexly/protocol';
import type { ClaimResult } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import type { ClaimFunction } from '../claims.js';
import type { GatewayMetrics } from '../metrics.js';
import type { StageLoss, StageWatch } from '../stage-watch.js';

/** Why the instance holding a stage of the call no longer does: as the watch saw it, or it said so. */
type Loss = Omit<StageLoss, 'reason'> & {
  reason: StageLoss['reason'] | 'released';
  /** Epoch ms the failover clock starts from: the last heartbeat of a lost instance, or the release. */
  since: number | null;
};

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
  /** An instance holds `stage` for the call: from the claims, or after a re-claim. */
  owns(stage: Stage, instanceId: string): void;
  /** A stage instance was declared gone (before the re-claim): its audio is not played; a TTS one leaves its segment unended. */
  lost(stage: Stage, instanceId: string): void;
  /** No instance could take the stage again. */
  noCapacity(stage: Stage, detail: string): void;
}

export class CallFailover {
  private readonly owners = new Map<Stage, { instanceId: string; unwatch: () => void }>();
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

  /**
   * The instance holding `stage` released the call (`control.released`): re-claim the stage at once.
   * A release from an instance that no longer holds the stage (the call already moved) is ignored.
   */
  released(stage: Stage, instanceId: string): void {
    const owner = this.owners.get(stage);
    if (this.stopped || owner?.instanceId !== instanceId) return;
    owner.unwatch();
    this.onLost({
      callId: this.deps.call.callId,
      stage,
      instanceId,
      reason: 'released',
      lastBeatAt: this.deps.watch.lastBeatAt(instanceId),
      since: Date.now(),
    });
  }

  stop(): void {
    this.stopped = true;
    for (const { unwatch } of this.owners.values()) unwatch();
    this.owners.clear();
  }

  private own(stage: Stage, instanceId: string): void {
    this.owners.get(stage)?.unwatch();
    const unwatch = this.deps.watch.watch(this.deps.call.callId, stage, instanceId, (loss) =>
      this.onLost({ ...loss, since: loss.lastBeatAt }),
    );
    this.owners.set(stage, { instanceId, unwatch });
    this.deps.owns(stage, instanceId);
  }

  private onLost(loss: Loss): void {
    if (this.stopped || !this.deps.live()) return;
    const { stage, instanceId, reason, lastBeatAt } = loss;
    this.owners.delete(stage);
    if (reason === 'released')
      this.deps.log.warn(
        { stage, previousInstanceId: instanceId, reason },
        'stage instance released the call; re-claiming the stage',
      );
    else
      this.deps.log.warn(
        {
          stage,
          previousInstanceId: instanceId,
          reason,
          silentMs: lastBeatAt === null ? null : Date.now() - lastBeatAt,
        },
        'stage instance lost; re-claiming the stage',
      );
    this.deps.lost(stage, instanceId);
    this.reclaim(loss).catch((err: unknown) => this.deps.log.error({ err, stage }, 're-claiming a stage failed'));
  }

  private async reclaim({ stage, instanceId: previous, lastBeatAt, since }: Loss): Promise<void> {
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
      this.deps.log.warn(
        { stage, previousInstanceId: previous, reason: result.reason },
        'no instance could take the stage again',
      );
      this.deps.noCapacity(stage, `${stage}: ${result.reason} after failover`);
      return;
    }
    const failoverMs = since === null ? null : answeredAt - since;
    if (failoverMs !== null) this.deps.metrics.failoverMs.observe({ stage }, failoverMs);
    if (result.instanceId === previous) {
      // It answered after all (it was slow, not gone): it still holds the call.
      this.deps.metrics.reclaims.inc({ stage, outcome: 'same-instance' });
      this.deps.log.warn(
        { stage, instanceId: previous, failoverMs },
        'the lost stage instance answered the re-claim; it keeps the call',
      );
      this.own(stage, previous);
      return;
    }
    this.own(stage, result.instanceId);
    this.deps.announce(stage, result.instanceId, previous, lastBeatAt);
    this.deps.metrics.reclaims.inc({ stage, outcome: 'moved' });
    this.deps.log.warn(
      { stage, previousInstanceId: previous, instanceId: result.instanceId, failoverMs, claimMs: answeredAt - began },
      'stage re-claimed on another instance',
    );
  }
}
