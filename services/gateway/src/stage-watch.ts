/**
 * Which stage instances are alive, from their heartbeats (`svc.*.heartbeat`, one subscription per
 * gateway process), and which of them hold which call. An instance is declared gone when it has
 * been silent for `misses` heartbeat periods, or — for one call — when its heartbeats stop listing
 * a call it holds (its handler failed and released it). Each watch fires its `onLost` once; the
 * call session then re-claims the stage (see `call/stage-failover.ts`).
 *
 * Instances never heard from are not judged: a stage that does not heartbeat (a test double) keeps
 * its calls. Times are this process's clock at receipt, so clock skew between hosts is irrelevant.
 *
 * A NATS outage is not a stage failure: while this process's connection is down nothing is judged,
 * and once it is back every instance has a full `misses` periods plus {@link RECONNECT_GRACE_MS},
 * from the reconnect, to be heard again (the stages reconnect on their own schedule). Nor is a
 * stall of this process: time it could not listen (its checks ran late) is not counted as silence.
 */
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_MISSES, type Stage, type StageHeartbeat } from '@audexly/protocol';
import type { Bus, BusSubscription } from '@audexly/bus';
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
  /** When its last heartbeat was received. */
  lastBeatAt: number;
  /** Silence is counted from here: the last heartbeat, or the end of this process's last NATS outage. */
  silentSince: number;
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
/** After a reconnect, on top of the usual silence: the stages reconnect on their own schedule (0.5 s retries). */
const RECONNECT_GRACE_MS = 1000;
/** A check this much later than its period means this process stalled; the stall is not silence. */
const STALL_TOLERANCE_MS = 100;

export class StageWatch {
  private readonly instances = new Map<string, Instance>();
  private readonly watches = new Map<string, Set<Watch>>();
  private readonly intervalMs: number;
  private readonly misses: number;
  private readonly now: () => number;
  private sub: BusSubscription<StageHeartbeat> | undefined;
  /** The loop that reads heartbeats; it ends when `stop` unsubscribes. */
  private consuming: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopWatchingConnection: (() => void) | undefined;
  private lastCheckAt: number | null = null;

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
    const sub = (this.sub = this.bus.subscribeHeartbeats());
    this.consuming = this.consume(sub).catch((err: unknown) => this.log.warn({ err }, 'heartbeat subscription failed'));
    // Judged after this loop turn's I/O: Node runs timers before it reads sockets, so after a stall
    // of this process the heartbeats that came meanwhile are still unread when the timer fires, and
    // every instance would look silent.
    this.timer = setInterval(() => setImmediate(() => this.check()), this.options.checkMs ?? 50);
    this.timer.unref();
    this.stopWatchingConnection = this.bus.onConnectionChange(({ connected, at }) => {
      if (!connected) return;
      // Back from an outage: nobody could be heard meanwhile; every instance starts a fresh period.
      for (const instance of this.instances.values())
        instance.silentSince = Math.max(instance.silentSince, at + RECONNECT_GRACE_MS);
      this.log.info(
        { instances: this.instances.size },
        'NATS is back: stage instances have a fresh heartbeat period to be heard',
      );
    });
  }

  stop(): void {
    this.stopWatchingConnection?.();
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

  /** Each heartbeat as it is read: judged by this process's clock at receipt. */
  private async consume(sub: BusSubscription<StageHeartbeat>): Promise<void> {
    for await (const beat of sub) this.onBeat(beat);
  }

  private onBeat(beat: StageHeartbeat): void {
    const now = this.now();
    const calls = new Set(beat.calls);
    this.instances.set(beat.instanceId, { stage: beat.stage, lastBeatAt: now, silentSince: now, calls });
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
    if (!this.sub) return;
    const now = this.now();
    const stalledMs = this.lastCheckAt === null ? 0 : now - this.lastCheckAt - (this.options.checkMs ?? 50);
    this.lastCheckAt = now;
    if (stalledMs > STALL_TOLERANCE_MS) {
      for (const instance of this.instances.values())
        instance.silentSince = Math.min(now, instance.silentSince + stalledMs);
    }
    if (!this.bus.connected) return;
    for (const [instanceId, set] of this.watches) {
      const instance = this.instances.get(instanceId);
      if (!instance) continue; // never heard from: not judged
      if (now - instance.silentSince <= this.deadAfterMs) continue;
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
