import { bytesForMs, sineTone } from '@audexly/audio';
import { Serial } from '../serial.js';
import type { TtsOptions, TtsProvider, TtsSession } from '../tts.js';

/** Scripted TTS for unit tests: a tone whose length is proportional to the text. */
export interface FakeTtsOptions {
  /** Audio per character of text; default 60 ms. */
  msPerChar?: number;
  /** Size of each yielded chunk; default 100 ms. */
  chunkMs?: number;
  /** Pause before each chunk (simulates streaming); default 0. */
  chunkDelayMs?: number;
  /** Tone frequency; default 440 Hz. */
  frequencyHz?: number;
}

/** A TTS provider that yields a sine tone and records the texts it was asked to speak. */
export class FakeTts implements TtsProvider {
  readonly name = 'fake';
  /** Every synthesize() call, in order, with whether it ran to the end. */
  readonly requests: Array<{ text: string; options: TtsOptions; completed: boolean }> = [];

  constructor(private readonly options: FakeTtsOptions = {}) {}

  openSession(options: TtsOptions): Promise<TtsSession> {
    return Promise.resolve(new FakeTtsSession(options, this.options, this.requests));
  }
}

/** Like a real session (the `TtsSession` contract), it speaks one text at a time, in call order. */
class FakeTtsSession implements TtsSession {
  private closed = false;
  private readonly serial = new Serial();

  constructor(
    private readonly voice: TtsOptions,
    private readonly script: FakeTtsOptions,
    private readonly requests: FakeTts['requests'],
  ) {}

  async *synthesize(text: string, signal?: AbortSignal): AsyncIterable<Buffer> {
    const release = await this.serial.acquire();
    try {
      if (this.closed || signal?.aborted) return;
      yield* this.speak(text, signal);
    } finally {
      release();
    }
  }

  /** Records the request (once it reaches the provider) and yields its tone. */
  private async *speak(text: string, signal?: AbortSignal): AsyncIterable<Buffer> {
    const record = { text, options: this.voice, completed: false };
    this.requests.push(record);
    const o = this.script;
    const audio = sineTone(o.frequencyHz ?? 440, text.length * (o.msPerChar ?? 60), this.voice.sampleRate, 0.3);
    const step = bytesForMs(o.chunkMs ?? 100, this.voice.sampleRate);
    for (let i = 0; i < audio.byteLength; i += step) {
      if (o.chunkDelayMs) await new Promise((r) => setTimeout(r, o.chunkDelayMs));
      if (this.closed || signal?.aborted) return;
      yield audio.subarray(i, i + step);
    }
    record.completed = true;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
