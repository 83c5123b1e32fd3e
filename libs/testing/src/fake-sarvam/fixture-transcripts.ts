import { fixtureWords, loadSpeechFixture, SPEECH_FIXTURES, type FixtureWords } from '../speech-fixtures.js';
import type { TranscriptFn } from './types.js';

/** A recording the fake can recognise, with its word track. */
export interface KnownRecording {
  pcm: Buffer;
  sampleRate: number;
  words: FixtureWords;
}

interface Anchor {
  word: string;
  sampleRate: number;
  /** A short stretch of the word's loudest samples, unique in its recording. */
  snippet: Buffer;
  /** Where the snippet starts, relative to the word's start (bytes), to order words found. */
  offsetInWord: number;
}

const ANCHOR_MS = 20;

/**
 * A transcript function that "recognises" known recordings exactly: a word is in the transcript
 * of a piece of audio when the loudest 20 ms of that word, sample for sample, is in it. Audio that
 * reaches the fake unchanged (8 and 16 kHz calls: no resampling on the way) is transcribed to the
 * words it holds, in order — so a piece cut anywhere in silence gets exactly its words, and the
 * pieces of an utterance, however a provider cut them, add up to its text once. Audio holding no
 * known word gets `fallback` (default: the empty transcript).
 */
export function fixtureTranscripts(recordings: KnownRecording[], fallback: TranscriptFn = () => ''): TranscriptFn {
  const anchors = recordings.flatMap(anchorsOf);
  return (audio, sampleRate) => {
    const found: { at: number; word: string }[] = [];
    for (const anchor of anchors) {
      if (anchor.sampleRate !== sampleRate) continue;
      for (let at = audio.indexOf(anchor.snippet); at >= 0; at = audio.indexOf(anchor.snippet, at + 1)) {
        if (at % 2 === 0) found.push({ at: at - anchor.offsetInWord, word: anchor.word });
      }
    }
    if (found.length === 0) return fallback(audio, sampleRate);
    return found
      .sort((a, b) => a.at - b.at)
      .map((f) => f.word)
      .join(' ');
  };
}

function anchorsOf(recording: KnownRecording): Anchor[] {
  const { pcm, sampleRate } = recording;
  const bytesPerMs = (sampleRate * 2) / 1000;
  const length = Math.round(ANCHOR_MS * bytesPerMs);
  return recording.words.words.map(({ word, startMs, endMs }) => {
    const from = Math.round(startMs * bytesPerMs) & ~1;
    const to = Math.min(pcm.byteLength, Math.round(endMs * bytesPerMs) & ~1);
    const at = loudestWindow(pcm, from, Math.max(from + length, to), length);
    const snippet = Buffer.from(pcm.subarray(at, at + length));
    if (pcm.indexOf(snippet) !== pcm.lastIndexOf(snippet))
      throw new Error(`the anchor of "${word}" is not unique in its recording`);
    return { word, sampleRate, snippet, offsetInWord: at - from };
  });
}

/** Start (even byte offset) of the `length`-byte window with the most energy within [from, to). */
function loudestWindow(pcm: Buffer, from: number, to: number, length: number): number {
  const step = 2 * Math.max(1, Math.floor(length / 8 / 2));
  let best = from;
  let bestEnergy = -1;
  for (let at = from; at + length <= Math.min(to, pcm.byteLength); at += step) {
    let energy = 0;
    for (let i = at; i < at + length; i += 2) energy += Math.abs(pcm.readInt16LE(i));
    if (energy > bestEnergy) {
      bestEnergy = energy;
      best = at;
    }
  }
  return best;
}

/** Every speech fixture at `rate`, with its word track, for {@link fixtureTranscripts}. */
export async function speechFixtureRecordings(rate: 8000 | 16000): Promise<KnownRecording[]> {
  return Promise.all(
    SPEECH_FIXTURES.map(async (name) => {
      const { pcm, sampleRate } = await loadSpeechFixture(name, rate);
      return { pcm, sampleRate, words: fixtureWords(name) };
    }),
  );
}
