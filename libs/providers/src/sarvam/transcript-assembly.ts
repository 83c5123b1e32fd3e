import type { SttEvent } from '../stt.js';

/** What goes to Sarvam's socket: base64 audio, or a flush. */
export type Outgoing = { kind: 'audio'; data: string } | { kind: 'flush' };

/**
 * How one streaming socket's transcripts become one `final` per flush, however Sarvam cuts them.
 *
 * Sarvam's streaming STT segments the audio itself: it sends a `data` message when its own VAD
 * hears the end of speech — unasked, possibly several per utterance (a caller who pauses), possibly
 * before our flush — and a flush finalises only the audio sent since its last segment (which may be
 * silence, answered with an empty transcript or not at all). Matching one `data` to each flush
 * loses words. Instead:
 *
 * - The audio between two flushes is an *interval*. Every `data` belongs to the oldest interval
 *   not yet settled. That is exact because an interval's audio goes to the socket only once every
 *   earlier interval has settled: the socket is ordered and a flush ends Sarvam's segment, so
 *   nothing about a later interval's audio can arrive before the earlier ones are done.
 * - Sarvam's VAD events (`vad_signals=true`) say whether it is inside a segment it still owes:
 *   START_SPEECH opens one, the `data` that follows closes it.
 * - A flushed interval *settles* — its `final` is emitted with the text of all its `data` — once
 *   Sarvam owes nothing for it and either a `data` came after the flush or the short grace for an
 *   answer that may never come (a flush of silence) is over. In a call the next utterance begins
 *   long after the grace, so holding its audio back costs nothing.
 * - A `data` that arrives when no interval is waiting belongs to audio already answered: it is
 *   reported as `unplaced`, never dropped.
 */
export class TranscriptAssembly {
  private readonly intervals: Interval[] = [];
  /** Sarvam sent START_SPEECH and has not yet sent the segment's `data`. */
  private serverInSegment = false;
  private closed = false;

  constructor(
    private readonly emit: (event: SttEvent) => void,
    /** Sends one message to the socket (in the order given). */
    private readonly send: (message: Outgoing) => void,
    /**
     * How long a flush with nothing owed waits for an answer before settling without one; null
     * when the server answers every flush (then it is waited for, however long).
     */
    private readonly graceMs: number | null,
  ) {}

  /** Nothing is owed, held or being spoken: the socket may close without losing anything. */
  get idle(): boolean {
    return this.intervals.length === 0 && !this.serverInSegment;
  }

  /** Caller audio (base64 of the wire PCM) for the socket. */
  audio(data: string): void {
    let last = this.intervals.at(-1);
    if (!last || last.flushRequestedAt !== null) {
      last = newInterval(this.intervals.length === 0);
      this.intervals.push(last);
    }
    if (last.onSocket) this.send({ kind: 'audio', data });
    else last.held.push({ kind: 'audio', data });
  }

  /**
   * The caller's turn ended: Sarvam is asked for what it has not answered yet. With no audio since
   * the last flush, Sarvam would not answer, so the (empty) final is produced here, in order.
   */
  flush(): void {
    const last = this.intervals.at(-1);
    if (!last || last.flushRequestedAt !== null) {
      const empty = newInterval(false);
      empty.flushRequestedAt = performance.now();
      empty.answered = true;
      this.intervals.push(empty);
      this.settle();
      return;
    }
    last.flushRequestedAt = performance.now();
    if (last.onSocket) this.sendFlush(last);
    else last.held.push({ kind: 'flush' });
  }

  /** Sarvam's VAD heard speech start. */
  speechStarted(): void {
    this.serverInSegment = true;
  }

  /** A `data` message: a transcript of the audio since Sarvam's previous segment. */
  transcript(data: { text: string; language: string | null; audioSeconds: number }): void {
    this.serverInSegment = false;
    const text = data.text.trim();
    const target = this.intervals[0];
    if (!target) {
      if (text !== '') this.emit({ type: 'unplaced', text, language: data.language });
      return;
    }
    if (text !== '') target.texts.push(text);
    target.language = data.language ?? target.language;
    target.audioSeconds += data.audioSeconds;
    if (target.flushSent) target.answered = true;
    this.settle();
  }

  /**
   * An interim transcript of the segment Sarvam is transcribing (realtime endpoint only). It is
   * part of the oldest unsettled interval, reported with the segments of it already final.
   */
  partial(text: string): void {
    const target = this.intervals[0];
    const guess = text.trim();
    if (this.closed || !target || guess === '') return;
    this.emit({ type: 'partial', text: [...target.texts, guess].join(' ') });
  }

  /** Stops the timers; nothing more is emitted or sent. */
  close(): void {
    this.closed = true;
    for (const interval of this.intervals) if (interval.timer) clearTimeout(interval.timer);
    this.intervals.length = 0;
  }

  private sendFlush(interval: Interval): void {
    interval.flushSent = true;
    this.send({ kind: 'flush' });
    if (this.graceMs === null) return;
    interval.timer = setTimeout(() => {
      // After the socket's pending input: a message already received is placed before giving up on it.
      setImmediate(() => {
        interval.timer = null;
        interval.graceOver = true;
        this.settle();
      });
    }, this.graceMs);
  }

  private settle(): void {
    for (let head = this.intervals[0]; head && !this.closed; head = this.intervals[0]) {
      if (head.flushRequestedAt === null || this.serverInSegment || !(head.answered || head.graceOver)) return;
      this.intervals.shift();
      if (head.timer) clearTimeout(head.timer);
      this.emit({
        type: 'final',
        text: head.texts.join(' '),
        language: head.language,
        audioSeconds: head.audioSeconds,
        // What the turn waited for the provider after its end: flush asked → settled.
        providerMs: Math.round(performance.now() - head.flushRequestedAt),
      });
      const next = this.intervals[0];
      if (next && !next.onSocket) this.release(next);
    }
  }

  /** The interval's turn on the socket: what it held goes out, in order. */
  private release(interval: Interval): void {
    interval.onSocket = true;
    for (const message of interval.held.splice(0)) {
      if (message.kind === 'audio') this.send(message);
      else this.sendFlush(interval);
    }
  }
}

/** The audio sent between two flushes, and what Sarvam has said of it so far. */
interface Interval {
  texts: string[];
  language: string | null;
  audioSeconds: number;
  /** Its messages go straight to the socket (every earlier interval has settled). */
  onSocket: boolean;
  /** Messages waiting for the earlier intervals to settle. */
  held: Outgoing[];
  /** When the platform asked for the flush that closed it (performance clock); null while audio still comes. */
  flushRequestedAt: number | null;
  flushSent: boolean;
  /** A `data` arrived after the flush was sent. */
  answered: boolean;
  /** No answer is worth waiting for any longer. */
  graceOver: boolean;
  timer: NodeJS.Timeout | null;
}

function newInterval(onSocket: boolean): Interval {
  return {
    texts: [],
    language: null,
    audioSeconds: 0,
    onSocket,
    held: [],
    flushRequestedAt: null,
    flushSent: false,
    answered: false,
    graceOver: false,
    timer: null,
  };
}
