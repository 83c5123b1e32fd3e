import { encodeWav, resample } from '@audexly/audio';
import { ErrorCode, STT_REST_MAX_AUDIO_SECONDS } from '@audexly/protocol';
import type { SarvamAIClient } from 'sarvamai';
import { EventQueue } from '../event-queue.js';
import type { SttEvent, SttProvider, SttSession, SttSessionOptions } from '../stt.js';
import { messageOf, statusOf, upstreamError } from '../upstream-error.js';
import { pcmPieces } from './rest-pieces.js';
import { defaultSarvamSttModel } from './streaming-stt.js';

type TranscribeRequest = Parameters<SarvamAIClient['speechToText']['transcribe']>[0];

/**
 * Sarvam REST STT (`POST /speech-to-text`): buffers a turn, sends it as a WAV on flush. A turn
 * longer than Sarvam's 30 s per request goes as several requests, cut in pauses, joined in order.
 */
export class SarvamRestStt implements SttProvider {
  readonly name = 'sarvam-rest';
  constructor(private readonly client: SarvamAIClient) {}

  openSession(options: SttSessionOptions): Promise<SttSession> {
    return Promise.resolve(new RestSttSession(this.client, options));
  }
}

class RestSttSession implements SttSession {
  private readonly events = new EventQueue<SttEvent>();
  private readonly abort = new AbortController();
  private readonly signal: AbortSignal;
  private buffered: Buffer[] = [];
  private chain: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(
    private readonly client: SarvamAIClient,
    private readonly options: SttSessionOptions,
  ) {
    this.signal = options.signal ? AbortSignal.any([options.signal, this.abort.signal]) : this.abort.signal;
    this.signal.addEventListener('abort', () => this.finish(true), { once: true });
    if (this.signal.aborted) this.finish(true);
  }

  push(pcm: Buffer): void {
    if (!this.finished) this.buffered.push(pcm);
  }

  flush(): void {
    if (this.finished) return;
    const pcm = Buffer.concat(this.buffered);
    this.buffered = [];
    // Transcriptions run one at a time so finals come out in flush order.
    this.chain = this.chain.then(() => this.transcribe(pcm));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.chain;
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private async transcribe(pcm: Buffer): Promise<void> {
    if (this.finished) return;
    const rate = this.options.sampleRate;
    if (pcm.byteLength < 2) {
      this.events.push({ type: 'final', text: '', language: null, audioSeconds: 0, providerMs: 0 });
      return;
    }
    const started = performance.now();
    try {
      // Sarvam takes 8 and 16 kHz WAV; 24 kHz goes down to 16 kHz.
      const wireRate = rate === 24000 ? 16000 : rate;
      const wire = await resample(pcm, rate, wireRate);
      // A little under the limit, so a WAV of the piece is never judged a hair too long.
      const texts: string[] = [];
      let language: string | null = null;
      for (const piece of pcmPieces(wire, wireRate, STT_REST_MAX_AUDIO_SECONDS - 1)) {
        const res = await this.client.speechToText.transcribe(
          {
            file: { data: encodeWav(piece, wireRate), filename: 'audio.wav', contentType: 'audio/wav' },
            model: (this.options.model || defaultSarvamSttModel) as TranscribeRequest['model'],
            language_code: this.options.language as TranscribeRequest['language_code'],
          },
          { abortSignal: this.signal },
        );
        if (this.finished) return;
        if (res.transcript.trim() !== '') texts.push(res.transcript.trim());
        language = res.language_code ?? language;
      }
      this.events.push({
        type: 'final',
        text: texts.join(' '),
        language,
        audioSeconds: pcm.byteLength / 2 / rate,
        providerMs: Math.round(performance.now() - started),
      });
    } catch (err) {
      if (this.finished) return;
      const status = statusOf(err);
      this.events.push({
        type: 'error',
        error: upstreamError(ErrorCode.sttUpstream, `Sarvam STT request failed: ${messageOf(err)}`, err, status),
      });
      this.finish(false);
    }
  }

  private finish(discard: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.buffered = [];
    this.events.end(discard);
  }
}
