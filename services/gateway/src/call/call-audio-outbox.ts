/**
 * A call's audio onto NATS (`audio.in`, `audio.sent`), through NATS outages.
 *
 * Core NATS publishes are fire and forget. When the server goes away, what was written just before
 * the client noticed is lost, and what the client buffered meanwhile is flushed the moment it
 * reconnects — before the STT instance that listens has reconnected and subscribed again, and
 * before JetStream has reloaded the capture stream — so the server drops it. That cost a caller
 * over a second of one utterance. So, per call:
 * - audio published while the connection is down is held (at most `maxHeldMs`);
 * - once the connection is back and the call's audio consumers are too (its STT instance heard
 *   since the reconnect, the capture stream answering; or `recoverTimeoutMs` passed), the audio
 *   sent in the last `replayMs` before the outage (it may have died in flight) and everything held
 *   go out, in order, and live audio follows;
 * - consumers drop what they already had by sequence number (`Audexly-Seq`; the recorder places
 *   audio by timeline, so a repeat overwrites itself);
 * - audio that overflowed the hold is a gap: counted in `gapMs`, which the call record reports.
 */
import { AudioHeader, type AudioHeaderName } from '@audexly/protocol';

export type AudioHeaders = Partial<Record<AudioHeaderName, number>>;

/** What the outbox needs to know of the connection. */
export interface AudioLink {
  /** The NATS connection is up. */
  readonly connected: boolean;
  /** When the last outage began (this process's clock, ms), or null: none yet. */
  readonly downSince: number | null;
  /** When the connection last came back, or null: never lost. */
  readonly upSince: number | null;
}

export interface CallAudioOutboxOptions {
  link(): AudioLink;
  /** Whether the call's audio consumers are back since `upSince` (its STT instance heard, the capture stream answering). */
  consumersBack(upSince: number): boolean;
  send(subject: string, pcm: Uint8Array, headers: AudioHeaders): void;
  now(): number;
  /** Audio per byte: bytes of PCM16 per ms at the call's rate. */
  bytesPerMs: number;
  /** Audio sent this long before an outage is sent again after it; default 1000 ms. */
  replayMs?: number;
  /** Most audio held per call during an outage; default 15 000 ms. */
  maxHeldMs?: number;
  /** After a reconnect, held audio goes out at the latest after this long; default 5000 ms. */
  recoverTimeoutMs?: number;
}

interface Entry {
  at: number;
  subject: string;
  pcm: Uint8Array;
  headers: AudioHeaders;
  ms: number;
}

export class CallAudioOutbox {
  private recent: Entry[] = [];
  private held: Entry[] = [];
  private heldMs = 0;
  private holding = false;
  private readonly gaps = new Map<string, number>();
  private readonly replayMs: number;
  private readonly maxHeldMs: number;
  private readonly recoverTimeoutMs: number;

  constructor(private readonly options: CallAudioOutboxOptions) {
    this.replayMs = options.replayMs ?? 1000;
    this.maxHeldMs = options.maxHeldMs ?? 15_000;
    this.recoverTimeoutMs = options.recoverTimeoutMs ?? 5000;
  }

  /** Ms of audio on `subject` dropped because an outage outlasted the hold. */
  gapMs(subject: string): number {
    return Math.round(this.gaps.get(subject) ?? 0);
  }

  /** Whether audio is being held now (an outage, or its recovery). */
  get isHolding(): boolean {
    return this.holding;
  }

  publish(subject: string, pcm: Uint8Array, headers: AudioHeaders): void {
    const entry: Entry = {
      at: this.options.now(),
      subject,
      pcm,
      headers,
      ms: pcm.byteLength / this.options.bytesPerMs,
    };
    if (!this.holding && this.options.link().connected) {
      this.send(entry);
      return;
    }
    this.holding = true;
    this.held.push(entry);
    this.heldMs += entry.ms;
    while (this.heldMs > this.maxHeldMs && this.held.length > 1) {
      const dropped = this.held.shift()!;
      this.heldMs -= dropped.ms;
      this.gaps.set(dropped.subject, (this.gaps.get(dropped.subject) ?? 0) + dropped.ms);
    }
    this.release();
  }

  /** Sends what is held if the link and the consumers are back (publish calls it; a timer may too). */
  release(): void {
    if (!this.holding) return;
    const link = this.options.link();
    if (!link.connected || link.upSince === null) return;
    const now = this.options.now();
    if (!this.options.consumersBack(link.upSince) && now - link.upSince < this.recoverTimeoutMs) return;
    this.flush(link.downSince);
  }

  /**
   * Sends frames `fromSeq`..`toSeq` of `subject` again, from the audio sent in the last `replayMs`
   * (a consumer saw them missing: they died in flight with a NATS server). Returns how many went
   * out; frames older than that are gone.
   */
  resend(subject: string, fromSeq: number, toSeq: number): number {
    let sent = 0;
    for (const entry of this.recent) {
      const seq = entry.headers[AudioHeader.seq];
      if (entry.subject !== subject || seq === undefined || seq < fromSeq || seq > toSeq) continue;
      this.options.send(entry.subject, entry.pcm, entry.headers);
      sent++;
    }
    return sent;
  }

  /** The call ends: everything held goes out now (the client buffers it if still disconnected). */
  flushAll(): void {
    if (this.holding) this.flush(this.options.link().downSince);
  }

  private flush(downSince: number | null): void {
    const from = (downSince ?? this.options.now()) - this.replayMs;
    const replay = this.recent.filter((e) => e.at >= from);
    const held = this.held;
    this.held = [];
    this.heldMs = 0;
    this.holding = false;
    for (const entry of replay) this.options.send(entry.subject, entry.pcm, entry.headers);
    for (const entry of held) this.send(entry);
  }

  private send(entry: Entry): void {
    this.options.send(entry.subject, entry.pcm, entry.headers);
    this.recent.push(entry);
    const horizon = entry.at - this.replayMs;
    while (this.recent.length > 0 && this.recent[0]!.at < horizon) this.recent.shift();
  }
}
