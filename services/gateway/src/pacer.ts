/**
 * Sends agent audio to Exotel in real time with a bounded lead (exotel.md §4.3): never more than
 * `leadMs` of audio sent and not yet played (one chunk at least), so a `clear` drops at most that
 * much and Exotel never gets a multi-second blob. The playout model is a monotonic clock
 * (`performance.now()` by default): `playEnd` is when everything sent so far finishes playing.
 */

/** A monotonic clock and timers; injectable so tests can drive time. */
export interface PacerClock {
  now(): number;
  /** Timeouts may run up to this early (a shared tick); the pacer treats as due what is due within it. */
  readonly granularityMs?: number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: PacerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface PacedMedia<M> {
  kind: 'media';
  pcm: Buffer;
  meta: M;
}

export interface PacedMark<M> {
  kind: 'mark';
  name: string;
  meta: M;
}

export type PacedItem<M> = PacedMedia<M> | PacedMark<M>;

export interface SendInfo {
  /** Clock time at which this chunk starts playing, per the playout model. */
  playAt: number;
  /** Audio duration of the chunk in ms. */
  durationMs: number;
  /** Sent more than `lateMs` after it was due. */
  late: boolean;
  /** How long after it was due the chunk went out, ms (0 when it was sent as soon as it came). */
  lateByMs: number;
  /**
   * How long the playout ran dry before this chunk, ms: the audio sent before it had finished
   * playing when it went out. 0 for the first chunk, and after a {@link Pacer.clear} or a
   * {@link Pacer.resume} (silences chosen, not suffered). With `lateByMs` 0 the chunk itself came
   * too late (nothing was queued); otherwise the pacer sent it late.
   */
  dryMs: number;
}

export interface PacerOptions<M> {
  sampleRate: number;
  /** Most audio ahead of the playout clock, ms (default 250). */
  leadMs?: number;
  /** A chunk sent later than this after its due time counts as late (default 20). */
  lateMs?: number;
  clock?: PacerClock;
  sendMedia(item: PacedMedia<M>, info: SendInfo): void;
  sendMark(item: PacedMark<M>): void;
}

export class Pacer<M> {
  private readonly queue: PacedItem<M>[] = [];
  private readonly clock: PacerClock;
  private readonly leadMs: number;
  private readonly lateMs: number;
  private readonly bytesPerMs: number;
  private playEnd = -Infinity;
  private timer: unknown = null;
  private dueAt: number | null = null;
  private stopped = false;
  private paused = false;
  private lastSent: M | null = null;
  /** The next chunk continues what was sent before it (no first chunk, clear or resume since). */
  private continuing = false;

  constructor(private readonly options: PacerOptions<M>) {
    this.clock = options.clock ?? systemClock;
    this.leadMs = options.leadMs ?? 250;
    this.lateMs = options.lateMs ?? 20;
    this.bytesPerMs = (options.sampleRate * 2) / 1000;
  }

  /** Queues an item; media plays after everything queued before it, a mark follows that media. */
  enqueue(item: PacedItem<M>): void {
    if (this.stopped) return;
    this.queue.push(item);
    if (this.timer === null && !this.paused) this.pump();
  }

  /**
   * Stops sending (nothing is dropped): what was already sent plays out at Exotel, at most the
   * lead. Items queue until {@link resume}.
   */
  pause(): void {
    this.paused = true;
    this.cancelTimer();
  }

  /** Sends again from where {@link pause} stopped, with the lead rebuilt from now. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.continuing = false;
    if (this.timer === null) this.pump();
  }

  /** The meta of the last media sent: what the caller is hearing, or last heard. */
  get lastSentMeta(): M | null {
    return this.lastSent;
  }

  /**
   * Takes out the queued items that `match` (what {@link unshift} then puts back in front).
   * Does not send anything.
   */
  take(match: (item: PacedItem<M>) => boolean): PacedItem<M>[] {
    const taken = this.queue.filter(match);
    if (taken.length > 0) this.queue.splice(0, this.queue.length, ...this.queue.filter((item) => !match(item)));
    return taken;
  }

  /** Puts `items` in front of everything queued, in their order (to play a stretch again). */
  unshift(items: PacedItem<M>[]): void {
    if (this.stopped || items.length === 0) return;
    this.queue.unshift(...items);
    if (this.timer === null && !this.paused) this.pump();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Items waiting to be sent. */
  get queued(): number {
    return this.queue.length;
  }

  /** Audio sent but not yet played, per the model, in ms. */
  bufferedMs(): number {
    return Math.max(0, this.playEnd - this.clock.now());
  }

  /** Nothing waiting and nothing left to play. */
  idle(): boolean {
    return this.queue.length === 0 && this.bufferedMs() === 0;
  }

  /** Drops queued items and forgets audio buffered at Exotel (after sending `clear`). */
  clear(): PacedItem<M>[] {
    const dropped = this.queue.splice(0, this.queue.length);
    this.lastSent = null;
    this.continuing = false;
    this.cancelTimer();
    this.playEnd = Math.min(this.playEnd, this.clock.now());
    return dropped;
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.cancelTimer();
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = null;
  }

  private pump(): void {
    this.timer = null;
    while (!this.stopped && !this.paused && this.queue.length > 0) {
      const item = this.queue[0]!;
      if (item.kind === 'mark') {
        this.queue.shift();
        this.options.sendMark(item);
        continue;
      }
      const now = this.clock.now();
      const durationMs = item.pcm.byteLength / this.bytesPerMs;
      // Send once what is buffered plus this chunk fits in the lead (one chunk always fits).
      const due = this.playEnd - Math.max(this.leadMs - durationMs, 0);
      if (now + (this.clock.granularityMs ?? 0) < due) {
        this.dueAt = due;
        this.timer = this.clock.setTimeout(() => this.pump(), Math.max(1, Math.ceil(due - now)));
        return;
      }
      const lateByMs = this.dueAt === null ? 0 : Math.max(0, now - this.dueAt);
      const late = lateByMs > this.lateMs;
      this.dueAt = null;
      this.queue.shift();
      const dryMs = this.continuing ? Math.max(0, now - this.playEnd) : 0;
      const playAt = Math.max(now, this.playEnd);
      this.playEnd = playAt + durationMs;
      this.lastSent = item.meta;
      this.continuing = true;
      this.options.sendMedia(item, { playAt, durationMs, late, lateByMs, dryMs });
    }
  }
}
