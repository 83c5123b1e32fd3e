/** A piece of received audio, and whether it ends on a tick. */
export interface TickedPiece {
  pcm: Buffer;
  tick: boolean;
}

/**
 * A clock in audio time (bytes received on one socket, not wall time) that ticks every `tickBytes`.
 * Received audio is cut at the ticks, so what happens at a tick (the realtime socket's look for a
 * partial) sees exactly the audio up to it, however the client chunked its messages.
 */
export class AudioTicks {
  /** Bytes received since the last tick. */
  private sinceTick = 0;
  private readonly tickBytes: number;

  constructor(tickBytes: number) {
    this.tickBytes = Math.max(2, tickBytes - (tickBytes % 2));
  }

  /** `pcm` cut at every tick it crosses, in order (an empty input gives no piece). */
  split(pcm: Buffer): TickedPiece[] {
    const pieces: TickedPiece[] = [];
    let at = 0;
    while (at < pcm.byteLength) {
      const take = Math.min(this.tickBytes - this.sinceTick, pcm.byteLength - at);
      this.sinceTick += take;
      const tick = this.sinceTick === this.tickBytes;
      if (tick) this.sinceTick = 0;
      pieces.push({ pcm: pcm.subarray(at, at + take), tick });
      at += take;
    }
    return pieces;
  }
}
