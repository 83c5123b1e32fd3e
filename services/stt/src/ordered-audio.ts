import type { AudioMessage } from '@audexly/bus';
import { AudioHeader } from '@audexly/protocol';

/** Frames the gateway can send again cover its last second; a gap far beyond that is not asked for. */
const MAX_GAP_FRAMES = 1000;

export interface OrderedAudioOptions {
  /**
   * How long frames after a gap wait for the missing ones (sent again by the gateway on
   * `control.audio-resend`) before the gap is given up and they go on without them (ms of audio,
   * counted by the frames that arrived meanwhile; default 300).
   */
  waitMs?: number;
  /** Frames `fromSeq`..`toSeq` are missing: ask for them again. */
  onGap(fromSeq: number, toSeq: number): void;
  /** Frames given up as lost after waiting. */
  onMissing(count: number): void;
  /** A frame seen before (a resend or a replay after an outage), skipped. */
  onRepeat(): void;
  /** Ms of audio in a frame. */
  msOf(message: AudioMessage): number;
}

/**
 * The caller's audio in `Audexly-Seq` order, each frame once. A frame seen before is a repeat and
 * is skipped. A jump forward is a gap: the frames after it are held while the missing ones are
 * asked for again (`onGap`); they come back from the gateway's last second of audio within a few
 * ms, and everything goes on in order. Frames without a sequence number are taken as they come.
 */
export async function* orderedAudio(
  source: AsyncIterable<AudioMessage>,
  options: OrderedAudioOptions,
): AsyncGenerator<AudioMessage> {
  const waitMs = options.waitMs ?? 300;
  let last = -1;
  /** Frames after a gap, by sequence number. */
  const held = new Map<number, AudioMessage>();
  let heldMs = 0;
  /** Gaps already asked for (their first missing sequence number). */
  let askedThrough = -1;

  function* drainReady(): Generator<AudioMessage> {
    while (held.has(last + 1)) {
      const next = held.get(last + 1)!;
      held.delete(last + 1);
      heldMs -= options.msOf(next);
      last++;
      yield next;
    }
  }

  function* giveUp(): Generator<AudioMessage> {
    while (held.size > 0) {
      const first = Math.min(...held.keys());
      options.onMissing(first - last - 1);
      last = first - 1;
      yield* drainReady();
    }
    heldMs = 0;
  }

  for await (const message of source) {
    const seq = message.num(AudioHeader.seq, Number.NaN);
    if (!Number.isFinite(seq)) {
      yield message;
      continue;
    }
    if (seq <= last || held.has(seq)) {
      options.onRepeat();
      continue;
    }
    // A jump far beyond anything the gateway keeps to send again (100 s of audio): nothing to wait for.
    if (last >= 0 && seq - last > MAX_GAP_FRAMES) {
      yield* giveUp();
      options.onMissing(seq - last - 1);
      last = seq;
      yield message;
      continue;
    }
    if (last < 0 || seq === last + 1) {
      last = seq;
      yield message;
      yield* drainReady();
      continue;
    }
    // A gap: hold this frame, ask once for what is missing before it (not held, not asked yet).
    held.set(seq, message);
    heldMs += options.msOf(message);
    let runFrom: number | null = null;
    for (let n = Math.max(last + 1, askedThrough + 1); n <= seq; n++) {
      if (n < seq && !held.has(n)) runFrom ??= n;
      else if (runFrom !== null) {
        options.onGap(runFrom, n - 1);
        runFrom = null;
      }
    }
    askedThrough = Math.max(askedThrough, seq);
    if (heldMs > waitMs) yield* giveUp();
  }
  yield* giveUp();
}
