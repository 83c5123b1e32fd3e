/**
 * Re-chunks agent PCM into what Exotel plays without gaps (exotel.md §4.2): every chunk a multiple
 * of 320 bytes, `minMs`–`maxMs` long (100–200 ms by default), never above 99 840 bytes. The tail of
 * a segment is zero-padded up to the next 320-byte boundary and at least `minMs`.
 */

/** Exotel re-packetises into 320-byte frames; a remainder costs a 20 ms gap. */
export const FRAME_BYTES = 320;
/** Largest multiple of 320 not above Exotel's 100 000-byte limit. */
export const MAX_CHUNK_BYTES = 99_840;

export interface ChunkSizing {
  sampleRate: number;
  /** Size of chunks while audio flows (default 100 ms), rounded to a multiple of 320 bytes. */
  targetMs?: number;
  /** Shortest chunk, the padded tail included (default 100 ms). */
  minMs?: number;
  /** Longest chunk (default 200 ms). */
  maxMs?: number;
}

export interface ChunkLimits {
  targetBytes: number;
  minBytes: number;
  maxBytes: number;
  bytesPerMs: number;
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / FRAME_BYTES) * FRAME_BYTES;
}

function roundDown(bytes: number): number {
  return Math.floor(bytes / FRAME_BYTES) * FRAME_BYTES;
}

/** Byte sizes for a rate: all multiples of 320, min ≤ target ≤ max ≤ 99 840. */
export function chunkLimits(sizing: ChunkSizing): ChunkLimits {
  const bytesPerMs = (sizing.sampleRate * 2) / 1000;
  const maxBytes = Math.min(MAX_CHUNK_BYTES, Math.max(FRAME_BYTES, roundDown((sizing.maxMs ?? 200) * bytesPerMs)));
  const minBytes = Math.min(maxBytes, Math.max(FRAME_BYTES, roundUp((sizing.minMs ?? 100) * bytesPerMs)));
  const targetBytes = Math.min(maxBytes, Math.max(minBytes, roundUp((sizing.targetMs ?? 100) * bytesPerMs)));
  return { targetBytes, minBytes, maxBytes, bytesPerMs };
}

/** One segment's audio in, Exotel-sized chunks out. */
export class Chunker {
  readonly limits: ChunkLimits;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(sizing: ChunkSizing) {
    this.limits = chunkLimits(sizing);
  }

  /** Adds PCM; returns the whole chunks now available. */
  push(pcm: Uint8Array): Buffer[] {
    if (pcm.byteLength > 0) {
      this.pending.push(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
      this.pendingBytes += pcm.byteLength;
    }
    const out: Buffer[] = [];
    const size = this.limits.targetBytes;
    if (this.pendingBytes < size) return out;
    const all = Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    while (all.byteLength - offset >= size) {
      out.push(Buffer.from(all.subarray(offset, offset + size)));
      offset += size;
    }
    const rest = Buffer.from(all.subarray(offset));
    this.pending = rest.byteLength > 0 ? [rest] : [];
    this.pendingBytes = rest.byteLength;
    return out;
  }

  /** Ends the segment: the zero-padded tail, or nothing when no audio is left. */
  end(): Buffer[] {
    if (this.pendingBytes === 0) return [];
    const size = Math.max(this.limits.minBytes, roundUp(this.pendingBytes));
    const tail = Buffer.alloc(size);
    Buffer.concat(this.pending, this.pendingBytes).copy(tail);
    this.pending = [];
    this.pendingBytes = 0;
    return [tail];
  }

  /** Drops what is buffered (interruption). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}
