/**
 * Which stage instances are alive, from their heartbeats (`svc.*.heartbeat`, one subscription per
 * gateway process), and which of them hold which call. An instance is declared gone when it has
 * been silent for `misses` heartbeat periods, or — for one call — when its heartbeats stop listing
 * a call it holds (its handler failed and released it). Each watch fires its `onLost` once; the
 * call session then re-claims the stage (see `call-failover.ts`).
 *
 * Instances never heard from are not judged: a stage that does not heartbeat (a test double) keeps
 * its calls. Times are this process's clock at receipt, so clock skew between hosts is irrelevant.
 */
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_MISSES, stageHeartbeatSchema, subjects, type Stage } from '@audexly/protocol';
import type { Bus } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';

/** Why a watched instance no longer holds a call. */
export type LossReason = 'silent' | 'dropped-call';

export interface StageLoss {
  callId: string;
  stage: Stage;
  instanceId: string;
  reason: LossReason;
  /** Epoch ms (this process's clock) of the last heartbeat received from the instance; null if none. */
  lastBeatAt: number | null;
}

export interface StageWatchOptions {
  intervalMs?: number;
  misses?: number;
  /** How often silence is checked, ms (detection is at most this late). */
  checkMs?: number;
  now?: () => number;
}

interface Instance {
  stage: Stage;
  lastBeatAt: number;
  calls: ReadonlySet<string>;
}

interface Watch {
  callId: string;
  stage: Stage;
  instanceId: string;
  since: number;
  /** Consecutive heartbeats of the instance, after the watch began, that did not list the call. */
  absent: number;
  onLost: (loss: StageLoss) => void;
}

/** Consecutive heartbeats without the call after which an alive instance counts as having dropped it. */
const ABSENT_BEATS = 2;
/** Instances silent this long, and holding none of our calls, are forgotten. */
const FORGET_MS = 60_000;

export class StageWatch {
  private readonly instances = new Map<string, Instance>();
  private readonly watches = new Map<string, Set<Watch>>();
  private readonly intervalMs: number;
  private readonly misses: number;
  private readonly now: () => number;
  private sub: ReturnType<Bus['nc']['subscribe']> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly options: StageWatchOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.misses = options.misses ?? HEARTBEAT_MISSES;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.sub) return;
    this.sub = this.bus.nc.subscribe(subjects.allHeartbeats(), {
      callback: (err, msg) => {
        if (err) {
          this.log.warn({ err }, 'heartbeat subscription failed');
          return;
        }
        try {
          this.onBeat(msg.json());
        } catch (err) {
          this.log.debug({ err }, 'ignored a malformed heartbeat');
        }
      },
    });
    this.timer = setInterval(() => this.check(), this.options.checkMs ?? 50);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sub?.unsubscribe();
    this.sub = undefined;
  }

  /** Ms of silence after which an instance counts as gone. */
  get deadAfterMs(): number {
    return this.intervalMs * this.misses;
  }

  /** The last heartbeat received from an instance (this process's clock), if any. */
  lastBeatAt(instanceId: string): number | null {
    return this.instances.get(instanceId)?.lastBeatAt ?? null;
  }

  /**
   * Watches `instanceId` holding `callId` for `stage`; `onLost` fires once when it is declared gone.
   * Returns the function that ends the watch (call it when the call ends or the stage moved).
   */
  watch(callId: string, stage: Stage, instanceId: string, onLost: (loss: StageLoss) => void): () => void {
    const watch: Watch = { callId, stage, instanceId, since: this.now(), absent: 0, onLost };
    let set = this.watches.get(instanceId);
    if (!set) this.watches.set(instanceId, (set = new Set()));
    set.add(watch);
    return () => this.unwatch(watch);
  }

  private unwatch(watch: Watch): void {
    const set = this.watches.get(watch.instanceId);
    if (!set) return;
    set.delete(watch);
    if (set.size === 0) this.watches.delete(watch.instanceId);
  }

  private onBeat(json: unknown): void {
    const beat = stageHeartbeatSchema.parse(json);
    const now = this.now();
    const calls = new Set(beat.calls);
    this.instances.set(beat.instanceId, { stage: beat.stage, lastBeatAt: now, calls });
    const set = this.watches.get(beat.instanceId);
    if (!set) return;
    for (const watch of [...set]) {
      if (calls.has(watch.callId)) {
        watch.absent = 0;
      } else if (now - watch.since > this.intervalMs && ++watch.absent >= ABSENT_BEATS) {
        // A beat sent before the claim was answered may not list the call yet: only later ones count.
        this.lose(watch, 'dropped-call', now);
      }
    }
  }

  private check(): void {
    const now = this.now();
    for (const [instanceId, set] of this.watches) {
      const instance = this.instances.get(instanceId);
      if (!instance) continue; // never heard from: not judged
      if (now - instance.lastBeatAt <= this.deadAfterMs) continue;
      for (const watch of [...set]) this.lose(watch, 'silent', instance.lastBeatAt);
    }
    for (const [instanceId, instance] of this.instances) {
      if (now - instance.lastBeatAt > FORGET_MS && !this.watches.has(instanceId)) this.instances.delete(instanceId);
    }
  }

  private lose(watch: Watch, reason: LossReason, lastBeatAt: number): void {
    this.unwatch(watch);
    try {
      watch.onLost({ callId: watch.callId, stage: watch.stage, instanceId: watch.instanceId, reason, lastBeatAt });
    } catch (err) {
      this.log.error({ err, callId: watch.callId, stage: watch.stage }, 'handling a lost stage instance failed');
    }
  }
}
