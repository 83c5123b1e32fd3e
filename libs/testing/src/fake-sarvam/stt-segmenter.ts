import { EnergyVad } from './energy-vad.js';

/** What the audio just pushed did: speech started, or speech ended and closed a segment. */
export type SegmenterEvent = { kind: 'speech-start' } | { kind: 'speech-end'; segment: Buffer };

/** The audio a flush finalised, and whether the VAD heard speech in it. */
export interface FlushedSegment {
  audio: Buffer;
  heldSpeech: boolean;
}

/**
 * The audio of one STT socket since its last segment boundary, cut into segments by the fake's VAD
 * or by flushes. A segment holds every byte received since the previous boundary up to the end of
 * speech (which includes the `endOfSpeechMs` of silence that ended it), so the segments of a socket
 * add up to all its audio.
 */
export class SttSegmenter {
  private readonly vad: EnergyVad;
  /** Whole frames analysed since the boundary. */
  private frames: Buffer[] = [];
  /** Bytes after the last whole frame (not analysed yet). */
  private carry: Buffer = Buffer.alloc(0);
  private heardSpeech = false;

  constructor(sampleRate: number, endOfSpeechMs: number) {
    this.vad = new EnergyVad(sampleRate, endOfSpeechMs);
  }

  /** Whether the VAD heard speech since the last boundary (the open segment holds speech). */
  get holdsSpeech(): boolean {
    return this.heardSpeech;
  }

  /** The open segment's audio so far (everything since the last boundary), without ending it. */
  pending(): Buffer {
    return Buffer.concat([...this.frames, this.carry]);
  }

  /** Adds received PCM16LE; returns what the VAD heard in it, in order. */
  push(pcm: Buffer): SegmenterEvent[] {
    const events: SegmenterEvent[] = [];
    const data = this.carry.byteLength > 0 ? Buffer.concat([this.carry, pcm]) : pcm;
    const { frameBytes } = this.vad;
    let at = 0;
    for (; at + frameBytes <= data.byteLength; at += frameBytes) {
      const frame = data.subarray(at, at + frameBytes);
      this.frames.push(frame);
      const change = this.vad.step(frame);
      if (change === 'speech-start') {
        this.heardSpeech = true;
        events.push({ kind: 'speech-start' });
      } else if (change === 'speech-end') {
        events.push({ kind: 'speech-end', segment: Buffer.concat(this.frames) });
        this.frames = [];
        this.heardSpeech = false;
      }
    }
    this.carry = Buffer.from(data.subarray(at));
    return events;
  }

  /** Ends the segment at this point: its audio, or `null` when nothing arrived since the last boundary. */
  flush(): FlushedSegment | null {
    const audio = Buffer.concat([...this.frames, this.carry]);
    const heldSpeech = this.heardSpeech;
    this.frames = [];
    this.carry = Buffer.alloc(0);
    this.heardSpeech = false;
    this.vad.reset();
    return audio.byteLength === 0 ? null : { audio, heldSpeech };
  }
}
