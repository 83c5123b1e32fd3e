/**
 * Cuts PCM16LE mono into pieces no longer than `maxSeconds`, each cut at the quietest 20 ms within
 * the last `searchSeconds` before the limit (a pause between words, where a cut loses nothing).
 * Sarvam's REST STT refuses more than 30 s of audio per request.
 */
export function pcmPieces(pcm: Buffer, sampleRate: number, maxSeconds: number, searchSeconds = 5): Buffer[] {
  const maxBytes = Math.floor(maxSeconds * sampleRate) * 2;
  const pieces: Buffer[] = [];
  let start = 0;
  while (pcm.byteLength - start > maxBytes) {
    const end = start + maxBytes;
    const cut = quietestFrameStart(
      pcm,
      Math.max(start + 2, end - Math.floor(searchSeconds * sampleRate) * 2),
      end,
      sampleRate,
    );
    pieces.push(pcm.subarray(start, cut));
    start = cut;
  }
  pieces.push(pcm.subarray(start));
  return pieces;
}

/** Even byte offset in [from, to) where the quietest 20 ms frame starts. */
function quietestFrameStart(pcm: Buffer, from: number, to: number, sampleRate: number): number {
  const frame = Math.max(2, Math.floor(sampleRate / 50) * 2);
  let best = to;
  let bestEnergy = Infinity;
  for (let at = from & ~1; at + frame <= to; at += frame) {
    let energy = 0;
    for (let i = at; i < at + frame; i += 2) energy += Math.abs(pcm.readInt16LE(i));
    if (energy < bestEnergy) {
      bestEnergy = energy;
      best = at + frame / 2 - ((frame / 2) % 2);
    }
  }
  return best;
}
