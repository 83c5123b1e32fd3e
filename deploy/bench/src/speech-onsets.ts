/**
 * True speech onsets in a call's caller audio (audio.in as the bench saw it): the first 10 ms window
 * louder than `thresholdDbfs` (RMS) after at least `quietMs` below it, refined to the first sample
 * in that window whose magnitude reaches twice the threshold. The recorded fixtures have a noise
 * floor around −55 dBFS (10 ms windows never above −51) and speech well above −45 dBFS; between
 * turns the simulator sends digital silence.
 */
import type { AudioArrival } from './audio-arrivals.js';

export function speechOnsets(
  audioIn: readonly AudioArrival[],
  sampleRate: number,
  thresholdDbfs = -45,
  quietMs = 1000,
): number[] {
  const windowMs = 10;
  const windowSamples = (sampleRate * windowMs) / 1000;
  const threshold = 32768 * 10 ** (thresholdDbfs / 20);
  const ordered = [...audioIn].filter((a) => a.pcm !== null).sort((x, y) => x.timelineMs - y.timelineMs);
  // One sample stream: timeline of the first sample, then contiguous.
  if (ordered.length === 0) return [];
  const all = Buffer.concat(ordered.map((a) => a.pcm!));
  const samples = new Int16Array(
    all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength - (all.byteLength % 2)),
  );
  const origin = ordered[0]!.timelineMs;
  const onsets: number[] = [];
  let quietFor = quietMs; // the call starts quiet
  for (let w = 0; w + windowSamples <= samples.length; w += windowSamples) {
    let sum = 0;
    for (let i = w; i < w + windowSamples; i++) sum += samples[i]! * samples[i]!;
    const loud = Math.sqrt(sum / windowSamples) >= threshold;
    if (loud && quietFor >= quietMs) {
      let first = w;
      while (first < w + windowSamples - 1 && Math.abs(samples[first]!) < 2 * threshold) first++;
      onsets.push(origin + (first / sampleRate) * 1000);
    }
    quietFor = loud ? 0 : quietFor + windowMs;
  }
  return onsets;
}
