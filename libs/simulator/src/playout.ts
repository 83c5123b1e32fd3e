/**
 * Exotel's playout buffer as the simulator models it: agent `media` queues up and plays in real
 * time; a `mark` is echoed once all audio queued before it has played; `clear` drops queued audio
 * and pending marks. Time is passed in (ms), so the model is deterministic.
 *
 * It also records the gaps the caller hears inside a segment: the buffer ran dry after some of a
 * segment's audio had played and more of it came before the segment's mark. Silence after a
 * segment's audio that ends at a mark (or a `clear`) is not a gap: the segment was over.
 */

type Entry = { kind: 'audio'; pcm: Buffer; offset: number } | { kind: 'mark'; name: string };

/** Silence heard in the middle of a segment: from `atMs` (clock time), `ms` long. */
export interface PlayoutGap {
  atMs: number;
  ms: number;
  /** The segment's audio played before the gap, ms (small: its start came in slowly). */
  intoSegmentMs: number;
}

export interface AdvanceResult {
  /** Marks whose audio finished playing, in order: echo them now. */
  marks: string[];
}

export class PlayoutModel {
  private readonly queue: Entry[] = [];
  private readonly played: Buffer[] = [];
  private readonly bytesPerMs: number;
  private clockBytes = 0;
  private audibleBytes = 0;
  private queuedBytes = 0;
  /** Audio of the current segment played so far, bytes (past 0, the buffer running dry is a gap). */
  private segmentBytes = 0;
  /** The buffer ran dry mid-segment at this clock position (bytes); null when it has not. */
  private starvedAt: number | null = null;
  private readonly gapLog: PlayoutGap[] = [];

  /** `startMs`: clock time of playout position 0 (the call's start); `keepPcm: false` keeps no audio for `pcm()`. */
  constructor(
    readonly sampleRate: number,
    private readonly startMs: number,
    private readonly options: { keepPcm: boolean } = { keepPcm: true },
  ) {
    this.bytesPerMs = (sampleRate * 2) / 1000;
  }

  /** Agent audio arrives (PCM16LE at the call rate). */
  media(pcm: Buffer): void {
    if (pcm.byteLength === 0) return;
    this.queue.push({ kind: 'audio', pcm, offset: 0 });
    this.queuedBytes += pcm.byteLength;
  }

  /** A mark arrives: echoed when the audio queued before it has played. */
  mark(name: string): void {
    this.queue.push({ kind: 'mark', name });
  }

  /** Drops unplayed audio and pending marks. */
  clear(): { droppedMs: number; droppedMarks: string[] } {
    const droppedMarks = this.queue
      .filter((e): e is Extract<Entry, { kind: 'mark' }> => e.kind === 'mark')
      .map((e) => e.name);
    const droppedMs = this.queuedBytes / this.bytesPerMs;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.segmentBytes = 0;
    this.starvedAt = null;
    return { droppedMs, droppedMarks };
  }

  /** Plays up to `nowMs` (silence where nothing is queued) and reports marks now reached. */
  advance(nowMs: number): AdvanceResult {
    const target = Math.floor(((nowMs - this.startMs) * this.bytesPerMs) / 2) * 2;
    let need = target - this.clockBytes;
    const marks: string[] = [];
    const takeMarks = () => {
      while (this.queue[0]?.kind === 'mark') {
        marks.push((this.queue.shift() as { name: string }).name);
        // The segment ended: silence before its mark came was its end, not a gap.
        this.segmentBytes = 0;
        this.starvedAt = null;
      }
    };
    takeMarks();
    while (need > 0) {
      const head = this.queue[0];
      if (!head || head.kind !== 'audio') {
        if (this.segmentBytes > 0 && this.starvedAt === null) this.starvedAt = target - need;
        if (this.options.keepPcm) this.played.push(Buffer.alloc(need));
        need = 0;
        break;
      }
      if (this.starvedAt !== null) {
        const position = target - need;
        this.gapLog.push({
          atMs: this.startMs + this.starvedAt / this.bytesPerMs,
          ms: (position - this.starvedAt) / this.bytesPerMs,
          intoSegmentMs: this.segmentBytes / this.bytesPerMs,
        });
        this.starvedAt = null;
      }
      const take = Math.min(need, head.pcm.byteLength - head.offset);
      if (this.options.keepPcm) this.played.push(head.pcm.subarray(head.offset, head.offset + take));
      head.offset += take;
      need -= take;
      this.audibleBytes += take;
      this.segmentBytes += take;
      this.queuedBytes -= take;
      if (head.offset >= head.pcm.byteLength) {
        this.queue.shift();
        takeMarks();
      }
    }
    if (target > this.clockBytes) this.clockBytes = target;
    return { marks };
  }

  /** Audio or marks still waiting to play. */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Agent audio queued and not yet played, ms. */
  get queuedMs(): number {
    return this.queuedBytes / this.bytesPerMs;
  }

  /** Agent audio played so far (silence excluded), ms. */
  get audibleMs(): number {
    return this.audibleBytes / this.bytesPerMs;
  }

  /** Gaps heard inside segments so far (the buffer ran dry and the segment's audio went on later). */
  get gaps(): readonly PlayoutGap[] {
    return this.gapLog;
  }

  /** Everything played from position 0, silence included: what the caller heard (empty without `keepPcm`). */
  pcm(): Buffer {
    return Buffer.concat(this.played);
  }
}
