import { bytesForMs, parseWav, resample } from '@audexly/audio';
import { ErrorCode } from '@audexly/protocol';
import type { SarvamAIClient } from 'sarvamai';
import { Serial } from '../serial.js';
import type { TtsOptions, TtsProvider, TtsSession } from '../tts.js';
import { messageOf, statusOf, upstreamError } from '../upstream-error.js';

type ConvertRequest = Parameters<SarvamAIClient['textToSpeech']['convert']>[0];

/** Sarvam REST TTS (`POST /text-to-speech`): one request per text, yielded in ~100 ms chunks. */
export class SarvamRestTts implements TtsProvider {
  readonly name = 'sarvam-rest';
  constructor(private readonly client: SarvamAIClient) {}

  openSession(options: TtsOptions): Promise<TtsSession> {
    return Promise.resolve(new RestTtsSession(this.client, options));
  }
}

const chunkMs = 100;

class RestTtsSession implements TtsSession {
  private readonly serial = new Serial();
  private readonly closing = new AbortController();

  constructor(
    private readonly client: SarvamAIClient,
    private readonly options: TtsOptions,
  ) {}

  async *synthesize(text: string, signal?: AbortSignal): AsyncIterable<Buffer> {
    const release = await this.serial.acquire();
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    try {
      if (stop.aborted) return;
      const pcm = await this.fetchPcm(text, stop);
      if (!pcm) return;
      const step = bytesForMs(chunkMs, this.options.sampleRate);
      for (let i = 0; i < pcm.byteLength; i += step) {
        if (stop.aborted) return;
        yield pcm.subarray(i, i + step);
      }
    } finally {
      release();
    }
  }

  close(): Promise<void> {
    this.closing.abort();
    return Promise.resolve();
  }

  /** The speech as PCM at the session rate, or null when aborted. */
  private async fetchPcm(text: string, stop: AbortSignal): Promise<Buffer | null> {
    const rate = this.options.sampleRate;
    let audio: string | undefined;
    try {
      const res = await this.client.textToSpeech.convert(
        {
          text,
          language_code: this.options.language as ConvertRequest['language_code'],
          speaker: this.options.speaker as ConvertRequest['speaker'],
          model: this.options.model as ConvertRequest['model'],
          pace: this.options.pace,
          speech_sample_rate: rate,
        },
        { abortSignal: stop },
      );
      audio = res.audios[0];
    } catch (err) {
      if (stop.aborted) return null;
      throw upstreamError(ErrorCode.ttsUpstream, `Sarvam TTS request failed: ${messageOf(err)}`, err, statusOf(err));
    }
    if (!audio) throw upstreamError(ErrorCode.ttsUpstream, 'Sarvam TTS returned no audio', null, 502);
    let wav;
    try {
      wav = parseWav(Buffer.from(audio, 'base64'));
    } catch (err) {
      throw upstreamError(ErrorCode.ttsUpstream, `Sarvam TTS returned unreadable audio: ${messageOf(err)}`, err, 502);
    }
    if (wav.channels !== 1)
      throw upstreamError(ErrorCode.ttsUpstream, `Sarvam TTS returned ${wav.channels} channels`, null, 502);
    return wav.sampleRate === rate ? wav.pcm : await resample(wav.pcm, wav.sampleRate, rate);
  }
}
