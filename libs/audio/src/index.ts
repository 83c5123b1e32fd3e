export {
  bytesPerSample,
  pcmToInt16,
  int16ToPcm,
  pcmToFloat32,
  float32ToPcm,
  bytesForMs,
  msForBytes,
  silence,
  rms,
  dbfs,
} from './pcm.js';
export { sineTone } from './tone.js';
export { type WavAudio, wavHeader, encodeWav, encodeStereoWav, isWav, parseWav } from './wav.js';
export { resample, StreamingResampler, createStreamingResampler } from './resample.js';
