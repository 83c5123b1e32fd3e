/**
 * Real speech that the fake Sarvam transcribes as a given text. Each piece of speech (a recording,
 * a clipped word, synthesised speech) is made unique by a small gain, so the same recording can
 * stand for a different text in every utterance, even on concurrent calls; the fake recognises
 * each piece sample for sample (`fixtureTranscripts`) and the bench maps it to its text.
 */
import { fixtureTranscripts, type KnownRecording, type TranscriptFn } from '@audexly/testing';

/** Speech the fake will transcribe: its samples and where the speech is in them. */
export interface ScriptedPiece {
  pcm: Buffer;
  /** First and last speech sample, ms from the start of `pcm`. */
  speechFromMs: number;
  speechToMs: number;
  text: string;
}

/** Kept around the speech where pieces are joined (as deploy/runner's `spokenTurn`). */
const EDGE_MS = 60;

export class ScriptedSpeech {
  private readonly recordings: KnownRecording[] = [];
  private readonly texts = new Map<string, string>();

  constructor(readonly rate: 8000 | 16000) {}

  /**
   * `pcm` (whole, at the bench's rate) scaled to be unique, transcribed as `text` wherever its
   * speech is heard. `lastWordFromMs`: where its last word starts (default: the speech start); the
   * text is recognised once the loudest 20 ms of that word have arrived, as a recogniser can name a
   * sentence's last word only once it is heard (what an interim transcript can say mid-sentence).
   */
  piece(
    pcm: Buffer,
    speechFromMs: number,
    speechToMs: number,
    text: string,
    lastWordFromMs = speechFromMs,
  ): ScriptedPiece {
    const token = `piece${this.recordings.length}`;
    // Gains 0.997, 0.994, …: inaudible, but no two pieces share a sample run.
    const gain = 1 - 0.003 * (this.recordings.length + 1);
    const scaled = Buffer.alloc(pcm.byteLength);
    for (let i = 0; i + 1 < pcm.byteLength; i += 2) scaled.writeInt16LE(Math.round(pcm.readInt16LE(i) * gain), i);
    const heardFromMs = Math.max(speechFromMs, Math.min(lastWordFromMs, speechToMs - 20));
    this.recordings.push({
      pcm: scaled,
      sampleRate: this.rate,
      words: { text: token, words: [{ word: token, startMs: heardFromMs, endMs: speechToMs }] },
    });
    this.texts.set(token, text);
    return { pcm: scaled, speechFromMs, speechToMs, text };
  }

  /** For the fake Sarvam: the texts of the pieces heard in a stretch of audio, in order ('' for none). */
  transcripts(): TranscriptFn {
    const recognise = fixtureTranscripts(this.recordings);
    return (audio, sampleRate) =>
      recognise(audio, sampleRate)
        .split(' ')
        .filter((token) => token !== '')
        .map((token) => this.texts.get(token) ?? '')
        .join(' ');
  }

  /** Pieces said one after another, `pauseMs` of silence between the speech of one and the next. */
  join(pieces: ScriptedPiece[], pauseMs: number): Buffer {
    const bytesAt = (ms: number) => Math.max(0, Math.round((ms * this.rate) / 1000)) * 2;
    const parts: Buffer[] = [];
    for (const [i, p] of pieces.entries()) {
      const from = i > 0 ? bytesAt(p.speechFromMs - EDGE_MS) : 0;
      const to = i < pieces.length - 1 ? Math.min(p.pcm.byteLength, bytesAt(p.speechToMs + EDGE_MS)) : p.pcm.byteLength;
      if (i > 0) parts.push(Buffer.alloc(bytesAt(Math.max(0, pauseMs - 2 * EDGE_MS))));
      parts.push(p.pcm.subarray(from, to));
    }
    return Buffer.concat(parts);
  }
}
