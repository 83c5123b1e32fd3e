/**
 * The agent's side of a call: TTS audio (`audio.out`, per turn and segment) in, paced Exotel-sized
 * chunks and marks out. Segments play one after another in arrival order (a segment that starts
 * while another is playing waits, sorted by turn and segment); each ends with a mark.
 */
import { Chunker, type ChunkSizing } from './chunker.js';
import { MarkTracker, markName, type MarkInfo } from './marks.js';
import { Pacer, type PacerClock, type SendInfo } from './pacer.js';

export interface SegmentRef {
  turn: number;
  segment: number;
}

export interface ChunkInfo extends SendInfo {
  /**
   * Silence the caller heard inside the segment just before this chunk, ms: the pacer's `dryMs`
   * between two chunks of one segment (what the simulated caller counts as a gap), 0 otherwise (a
   * pause between sentences or turns is not a gap).
   */
  gapMs: number;
}

export interface PlayoutSink {
  /** A chunk goes to Exotel now; `playAt` is the clock time it starts playing. */
  media(pcm: Buffer, ref: SegmentRef, info: ChunkInfo): void;
  /** A mark goes to Exotel now. */
  mark(name: string, ref: SegmentRef): void;
}

export interface PlayoutOptions {
  sampleRate: number;
  chunk?: Omit<ChunkSizing, 'sampleRate'>;
  leadMs?: number;
  lateMs?: number;
  clock?: PacerClock;
  sink: PlayoutSink;
}

interface Segment extends SegmentRef {
  key: string;
  chunker: Chunker;
  /** Chunks waiting while another segment plays. */
  waiting: Buffer[];
  ended: boolean;
  bytes: number;
}

export class AgentPlayout {
  readonly marks = new MarkTracker();
  private readonly pacer: Pacer<SegmentRef>;
  private readonly segments: Segment[] = [];
  private cancelledThrough = -1;
  /** Segments already played out; late duplicates of their audio are ignored. */
  private readonly finished = new Set<string>();
  private readonly bytesPerMs: number;
  /**
   * The audio given to the pacer of the segment being heard and those queued behind it (the same
   * buffers the pacer holds), to play one again from its start.
   */
  private readonly given = new Map<string, { ref: SegmentRef; audio: Buffer[] }>();
  /** The segment of the last chunk sent (the pacer's own record is already the new one's when it sends). */
  private lastMediaRef: SegmentRef | null = null;

  constructor(private readonly options: PlayoutOptions) {
    this.bytesPerMs = (options.sampleRate * 2) / 1000;
    this.pacer = new Pacer<SegmentRef>({
      sampleRate: options.sampleRate,
      leadMs: options.leadMs,
      lateMs: options.lateMs,
      clock: options.clock,
      sendMedia: (item, info) => {
        const inSegment = this.lastMediaRef !== null && compare(this.lastMediaRef, item.meta) === 0;
        this.lastMediaRef = item.meta;
        options.sink.media(item.pcm, item.meta, { ...info, gapMs: inSegment ? info.dryMs : 0 });
      },
      sendMark: (item) => options.sink.mark(item.name, item.meta),
    });
  }

  /**
   * Audio from TTS. `last` ends the segment (its payload may be empty). Audio of an interrupted
   * turn (or an older one) is ignored; returns false then.
   */
  audio(turn: number, segment: number, pcm: Uint8Array, last: boolean): boolean {
    if (turn <= this.cancelledThrough) return false;
    const key = segmentKey({ turn, segment });
    if (this.finished.has(key)) return false;
    let seg = this.segments.find((s) => s.key === key);
    if (!seg) {
      seg = {
        key,
        turn,
        segment,
        chunker: new Chunker({ sampleRate: this.options.sampleRate, ...this.options.chunk }),
        waiting: [],
        ended: false,
        bytes: 0,
      };
      this.insert(seg);
    }
    if (seg.ended) return false;
    const chunks = seg.chunker.push(pcm);
    if (last) {
      chunks.push(...seg.chunker.end());
      seg.ended = true;
    }
    for (const chunk of chunks) seg.bytes += chunk.byteLength;
    if (seg === this.segments[0]) {
      for (const chunk of chunks) this.give(seg, chunk);
      this.advance();
    } else {
      seg.waiting.push(...chunks);
    }
    return true;
  }

  /**
   * Ends every segment still waiting for its closing message (the TTS instance speaking it is
   * gone): the audio that arrived plays, then the segment's mark, and later segments follow.
   * Returns how many segments were ended.
   */
  endOpenSegments(): number {
    let ended = 0;
    for (const seg of this.segments) {
      if (seg.ended) continue;
      const chunks = seg.chunker.end();
      seg.ended = true;
      ended++;
      for (const chunk of chunks) seg.bytes += chunk.byteLength;
      if (seg === this.segments[0]) for (const chunk of chunks) this.give(seg, chunk);
      else seg.waiting.push(...chunks);
    }
    this.advance();
    return ended;
  }

  /** An echoed mark from Exotel: the info of a segment now heard, or undefined for unknown names. */
  markEchoed(name: string): MarkInfo | undefined {
    return this.marks.echoed(name);
  }

  /**
   * Drops everything queued and waiting and ignores further audio of turns up to `turn` (the
   * currently playing turn when null). Returns the interrupted turn and the segments heard in
   * full, or null when nothing was playing or pending. The caller sends `clear`.
   */
  interrupt(turn: number | null): { turn: number; heardSegments: number[] } | null {
    const current = this.currentTurn();
    const target = turn ?? current;
    this.pacer.clear();
    this.segments.length = 0;
    this.given.clear();
    this.marks.dropPending();
    if (target === null) return null;
    this.cancelledThrough = Math.max(this.cancelledThrough, target);
    return { turn: target, heardSegments: this.marks.heard(target) };
  }

  /** Stops feeding audio to Exotel; everything queued stays (see {@link Pacer.pause}). */
  pause(): void {
    this.pacer.pause();
  }

  /** Feeds audio again from where {@link pause} stopped. */
  resume(): void {
    this.pacer.resume();
  }

  /**
   * Puts the segment the caller was hearing (the one of the last chunk sent) back at its start:
   * its audio is sent again from the first chunk, then the rest as before. Nothing is sent while
   * paused. Returns that segment, or null when nothing was sent yet.
   */
  restartSegment(): SegmentRef | null {
    const ref = this.pacer.lastSentMeta;
    const audio = ref ? this.given.get(segmentKey(ref))?.audio : undefined;
    if (!ref || !audio) return null;
    const same = (item: { meta: SegmentRef }): boolean =>
      item.meta.turn === ref.turn && item.meta.segment === ref.segment;
    // What is still queued of it: its mark comes back after the audio (a mark already sent is not repeated).
    const marks = this.pacer.take(same).filter((item) => item.kind === 'mark');
    this.pacer.unshift([...audio.map((pcm) => ({ kind: 'media' as const, pcm, meta: ref })), ...marks]);
    return ref;
  }

  /** The turn being played or waiting to play, if any. */
  currentTurn(): number | null {
    return this.segments[0]?.turn ?? this.playingTurn;
  }

  /** Agent audio is queued, waiting, or still playing at Exotel (per the model), or a mark is due. */
  isPlaying(): boolean {
    return this.segments.length > 0 || !this.pacer.idle() || this.marks.outstanding > 0;
  }

  /** Audio sent but not yet played, per the model, ms. */
  bufferedMs(): number {
    return this.pacer.bufferedMs();
  }

  stop(): void {
    this.pacer.stop();
    this.segments.length = 0;
  }

  private playingTurn: number | null = null;

  /** Queues one chunk of the playing segment, keeping it to play again ({@link restartSegment}). */
  private give(seg: Segment, chunk: Buffer): void {
    const ref = { turn: seg.turn, segment: seg.segment };
    const key = segmentKey(ref);
    let given = this.given.get(key);
    if (!given) {
      given = { ref, audio: [] };
      this.given.set(key, given);
      // Segments before the one being heard will not be played again.
      const heard = this.pacer.lastSentMeta;
      if (heard) for (const [old, g] of this.given) if (compare(g.ref, heard) < 0) this.given.delete(old);
    }
    given.audio.push(chunk);
    this.pacer.enqueue({ kind: 'media', pcm: chunk, meta: ref });
  }

  private insert(seg: Segment): void {
    // The first segment is playing; the others wait sorted by (turn, segment).
    let i = this.segments.length;
    while (i > 1 && compare(this.segments[i - 1]!, seg) > 0) i--;
    this.segments.splice(i, 0, seg);
    if (i === 0) this.playingTurn = seg.turn;
  }

  /** Finishes ended segments at the head with their mark and promotes the next one. */
  private advance(): void {
    while (this.segments[0]?.ended) {
      const done = this.segments.shift()!;
      this.finished.add(done.key);
      const name = markName(done.turn, done.segment);
      this.marks.sent(name, { turn: done.turn, segment: done.segment, audioMs: done.bytes / this.bytesPerMs });
      this.pacer.enqueue({ kind: 'mark', name, meta: { turn: done.turn, segment: done.segment } });
      const next = this.segments[0];
      if (next) {
        this.playingTurn = next.turn;
        for (const chunk of next.waiting) this.give(next, chunk);
        next.waiting = [];
      }
    }
  }
}

function segmentKey(ref: SegmentRef): string {
  return `${ref.turn}:${ref.segment}`;
}

function compare(a: SegmentRef, b: SegmentRef): number {
  return a.turn - b.turn || a.segment - b.segment;
}
