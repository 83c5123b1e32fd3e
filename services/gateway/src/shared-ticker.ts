/**
 * One timer for every call's pacing: a {@link PacerClock} whose timeouts are grouped in
 * `tickMs`-wide slots and run by a single interval, instead of one Node timer per chunk per call
 * (thousands a second at a few hundred calls). A timeout runs at most one tick early, never
 * knowingly late; the pacer treats "due within a tick" as due (`granularityMs`). The interval runs
 * only while timeouts are pending.
 */
import type { PacerClock } from './pacer.js';

interface Entry {
  slot: number;
  fn: () => void;
}

export class SharedTicker implements PacerClock {
  readonly granularityMs: number;
  private readonly slots = new Map<number, Set<Entry>>();
  private pending = 0;
  private interval: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly tickMs = 5,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.granularityMs = tickMs;
  }

  now(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const slot = Math.floor((this.now() + Math.max(0, ms)) / this.tickMs);
    const entry: Entry = { slot, fn };
    let set = this.slots.get(slot);
    if (!set) this.slots.set(slot, (set = new Set()));
    set.add(entry);
    this.pending++;
    if (this.interval === null) this.interval = setInterval(() => this.tick(), this.tickMs);
    return entry;
  }

  clearTimeout(handle: unknown): void {
    const entry = handle as Entry | null;
    if (!entry) return;
    const set = this.slots.get(entry.slot);
    if (set?.delete(entry)) {
      this.pending--;
      if (set.size === 0) this.slots.delete(entry.slot);
    }
  }

  /** Timeouts waiting to run. */
  get size(): number {
    return this.pending;
  }

  /** Stops the interval; pending timeouts are dropped. */
  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    this.slots.clear();
    this.pending = 0;
  }

  private tick(): void {
    if (this.running) return;
    this.running = true;
    const current = Math.floor(this.now() / this.tickMs);
    try {
      // Slots are few (a lead's worth of ticks); run every due one in order.
      const due = [...this.slots.keys()].filter((s) => s <= current).sort((a, b) => a - b);
      for (const slot of due) {
        const set = this.slots.get(slot)!;
        this.slots.delete(slot);
        this.pending -= set.size;
        for (const entry of set) {
          try {
            entry.fn();
          } catch (err) {
            this.onError(err);
          }
        }
      }
    } finally {
      this.running = false;
      if (this.pending === 0 && this.interval) {
        clearInterval(this.interval);
        this.interval = null;
      }
    }
  }
}
