/**
 * The fake Sarvam STT's voice activity detector: frame energy over PCM16LE, in audio time.
 *
 * A 20 ms frame is speech when its RMS is above {@link SPEECH_THRESHOLD_DBFS}. Speech starts after
 * {@link ONSET_FRAMES} speech frames in a row (Sarvam's `min_speech_frames` default is 2) and ends
 * once `endOfSpeechMs` of frames in a row are not speech. The threshold was chosen on the real
 * recordings in `fixtures/speech` (8 and 16 kHz): their background noise never holds two frames in a
 * row above it, and no pause between their words reaches 450 ms below it, so each recording is one
 * segment at the default 600 ms end of speech.
 */

/** Length of one analysed frame. */
export const VAD_FRAME_MS = 20;
/** Frame level above which a frame is speech. */
export const SPEECH_THRESHOLD_DBFS = -33;
/** Speech frames in a row that start speech. */
export const ONSET_FRAMES = 2;

const threshold = 10 ** (SPEECH_THRESHOLD_DBFS / 20);

/** What a frame changed: speech started, speech ended, or nothing. */
export type VadChange = 'speech-start' | 'speech-end' | null;

export class EnergyVad {
  /** Bytes of one frame at this rate. */
  readonly frameBytes: number;
  private readonly endFrames: number;
  private speaking = false;
  /** Speech frames in a row (while silent) or non-speech frames in a row (while speaking). */
  private run = 0;

  constructor(sampleRate: number, endOfSpeechMs: number) {
    this.frameBytes = ((sampleRate * VAD_FRAME_MS) / 1000) * 2;
    this.endFrames = Math.max(1, Math.ceil(endOfSpeechMs / VAD_FRAME_MS));
  }

  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Takes the next whole frame (`frameBytes` long) and says whether speech started or ended with it. */
  step(frame: Buffer): VadChange {
    const speech = frameLevel(frame) > threshold;
    if (!this.speaking) {
      this.run = speech ? this.run + 1 : 0;
      if (this.run < ONSET_FRAMES) return null;
      this.speaking = true;
      this.run = 0;
      return 'speech-start';
    }
    this.run = speech ? 0 : this.run + 1;
    if (this.run < this.endFrames) return null;
    this.speaking = false;
    this.run = 0;
    return 'speech-end';
  }

  /** Back to silence, as after a segment. */
  reset(): void {
    this.speaking = false;
    this.run = 0;
  }
}

/** RMS of PCM16LE samples, 0 … 1 of full scale. */
export function frameLevel(frame: Buffer): number {
  const samples = Math.floor(frame.byteLength / 2);
  if (samples === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    const s = frame.readInt16LE(i * 2);
    sum += s * s;
  }
  return Math.sqrt(sum / samples) / 32768;
}
