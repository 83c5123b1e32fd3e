import { isWav, parseWav } from '@audexly/audio';
import { ErrorCode, UpstreamError, type AudexlyError } from '@audexly/protocol';
import type { SarvamAI, SarvamAIClient } from 'sarvamai';
import { EventQueue } from '../event-queue.js';
import { PcmCarry } from '../pcm-carry.js';
import { Serial } from '../serial.js';
import type { TtsOptions, TtsProvider, TtsSession } from '../tts.js';
import { messageOf, upstreamError } from '../upstream-error.js';

type TtsSocket = Awaited<ReturnType<SarvamAIClient['textToSpeechStreaming']['connect']>>;
type TtsMessage = SarvamAI.AudioOutput | SarvamAI.EventResponse | SarvamAI.ErrorResponse;
type ConnectArgs = NonNullable<Parameters<SarvamAIClient['textToSpeechStreaming']['connect']>[0]>;
type Config = Extract<Parameters<TtsSocket['configureConnection']>[0], { language_code: unknown }>;

/** Buffering knobs of Sarvam's streaming TTS (characters). */
export interface SarvamStreamingTtsTuning {
  /** Characters Sarvam buffers before it starts synthesising (30–200); default 50. */
  minBufferSize?: number;
  /** Longest text piece synthesised at once; default 150. */
  maxChunkLength?: number;
}

/** Sarvam streaming TTS over `/text-to-speech/ws`: one socket per call, opened lazily, linear16 at the call rate. */
export class SarvamStreamingTts implements TtsProvider {
  readonly name = 'sarvam-streaming';
  constructor(
    private readonly client: SarvamAIClient,
    private readonly tuning: SarvamStreamingTtsTuning = {},
  ) {}

  openSession(options: TtsOptions): Promise<TtsSession> {
    return Promise.resolve(new StreamingTtsSession(this.client, options, this.tuning));
  }
}

type Incoming = { kind: 'audio'; bytes: Buffer } | { kind: 'final' } | { kind: 'error'; error: AudexlyError };

class StreamingTtsSession implements TtsSession {
  private readonly serial = new Serial();
  private socket: TtsSocket | null = null;
  private receiver: EventQueue<Incoming> | null = null;
  private closed = false;

  constructor(
    private readonly client: SarvamAIClient,
    private readonly options: TtsOptions,
    private readonly tuning: SarvamStreamingTtsTuning,
  ) {}

  async *synthesize(text: string, signal?: AbortSignal): AsyncIterable<Buffer> {
    const release = await this.serial.acquire();
    let complete = false;
    let sent = false;
    // Once the text is out, an abort drops the socket (its audio would leak into the next text);
    // before that (waiting, or the socket still opening) there is nothing to stop.
    const onAbort = (): void => {
      if (sent) this.dropSocket();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted || this.closed) return;
      const socket = await this.connect(signal);
      if (!socket || signal?.aborted) return;
      const receiver = new EventQueue<Incoming>();
      this.receiver = receiver;
      socket.convert(text);
      socket.flush();
      sent = true;
      const carry = new PcmCarry();
      for await (const msg of receiver) {
        if (signal?.aborted) return;
        if (msg.kind === 'final') {
          complete = true;
          return;
        }
        if (msg.kind === 'error') throw msg.error;
        const pcm = carry.take(isWav(msg.bytes) ? parseWav(msg.bytes).pcm : msg.bytes);
        if (pcm.byteLength > 0) yield pcm;
      }
      // The receiver ended without `final`: aborted, closed, or the socket went away (an error was queued).
    } catch (err) {
      if (signal?.aborted || this.closed) return;
      throw UpstreamError.from(err, ErrorCode.ttsUpstream, `Sarvam TTS failed: ${messageOf(err)}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.receiver = null;
      // Anything short of `final` leaves audio in flight for this text: drop the socket so none leaks into the next.
      if (sent && !complete) this.dropSocket();
      release();
    }
  }

  close(): Promise<void> {
    this.closed = true;
    this.dropSocket();
    return Promise.resolve();
  }

  private async connect(signal: AbortSignal | undefined): Promise<TtsSocket | null> {
    if (this.socket) return this.socket;
    const socket = await this.client.textToSpeechStreaming.connect({
      model: this.options.model as ConnectArgs['model'],
      send_completion_event: 'true',
      reconnectAttempts: 0,
    });
    this.socket = socket;
    socket.on('message', (m) => this.onMessage(m));
    socket.on('close', (ev) =>
      this.onSocketGone(socket, `Sarvam TTS socket closed unexpectedly (code ${ev.code})`, ev),
    );
    socket.on('error', (err) => this.onSocketGone(socket, `Sarvam TTS socket error: ${err.message}`, err));
    try {
      await socket.waitForOpen();
    } catch (err) {
      this.dropSocket();
      if (signal?.aborted || this.closed) return null;
      throw upstreamError(ErrorCode.ttsUpstream, 'could not open the Sarvam TTS socket', err);
    }
    if (this.socket !== socket) return null; // aborted while opening
    socket.configureConnection({
      language_code: this.options.language as Config['language_code'],
      speaker: this.options.speaker as Config['speaker'],
      pace: this.options.pace,
      speech_sample_rate: this.options.sampleRate,
      output_audio_codec: 'linear16',
      min_buffer_size: this.tuning.minBufferSize ?? 50,
      max_chunk_length: this.tuning.maxChunkLength ?? 150,
    });
    return socket;
  }

  private onMessage(m: TtsMessage): void {
    if (m.type === 'audio') this.receiver?.push({ kind: 'audio', bytes: Buffer.from(m.data.audio, 'base64') });
    else if (m.type === 'event' && m.data.event_type === 'final') this.receiver?.push({ kind: 'final' });
    else if (m.type === 'error') {
      const error = new UpstreamError(
        ErrorCode.ttsUpstream,
        `Sarvam TTS error ${m.data.code ?? ''}: ${m.data.message}`,
        { cause: m, status: m.data.code },
      );
      this.receiver?.push({ kind: 'error', error });
    }
  }

  private onSocketGone(socket: TtsSocket, message: string, cause: unknown): void {
    if (this.socket !== socket) return; // we closed it ourselves
    this.socket = null;
    this.receiver?.push({ kind: 'error', error: upstreamError(ErrorCode.ttsUpstream, message, cause) });
    this.receiver?.end();
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.receiver?.end(true);
    try {
      socket?.close();
    } catch {
      // Never opened; nothing to close.
    }
  }
}
