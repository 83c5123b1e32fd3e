import type { Bus, BusSubscription } from '@audexly/bus';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_MISSES, type StageHeartbeat } from '@audexly/protocol';
import type { StageInstance } from '@audexly/protocol/api';
import type { Logger } from '@audexly/telemetry';

/** An instance silent this long is gone (3 missed beats = 750 ms; 3 s leaves room for a slow scrape). */
export const INSTANCE_GONE_MS = Math.max(3000, HEARTBEAT_INTERVAL_MS * HEARTBEAT_MISSES);

/** The last heartbeat of every stage instance (`svc.*.heartbeat`), dropped after {@link INSTANCE_GONE_MS} of silence. */
export class StageInstances {
  private readonly beats = new Map<string, { beat: StageHeartbeat; receivedAt: number }>();
  private readonly done: Promise<void>;
  private readonly sub: BusSubscription<StageHeartbeat>;

  constructor(bus: Bus, log: Logger) {
    this.sub = bus.subscribeHeartbeats();
    this.done = this.consume().catch((err: unknown) => log.warn({ err }, 'heartbeat subscription ended'));
  }

  private async consume(): Promise<void> {
    for await (const beat of this.sub)
      this.beats.set(`${beat.stage}/${beat.instanceId}`, { beat, receivedAt: Date.now() });
  }

  /** Instances heard from recently, by stage then instance id. */
  list(now = Date.now()): StageInstance[] {
    const instances: StageInstance[] = [];
    for (const [key, { beat, receivedAt }] of this.beats) {
      const lastSeenMs = Math.max(0, now - receivedAt);
      if (lastSeenMs > INSTANCE_GONE_MS) {
        this.beats.delete(key);
        continue;
      }
      instances.push({
        stage: beat.stage,
        instanceId: beat.instanceId,
        activeCalls: beat.activeCalls,
        maxCalls: beat.maxCalls,
        accepting: beat.accepting,
        lastSeenMs,
      });
    }
    return instances.sort((a, b) => a.stage.localeCompare(b.stage) || a.instanceId.localeCompare(b.instanceId));
  }

  async stop(): Promise<void> {
    this.sub.unsubscribe();
    await this.done;
  }
}
