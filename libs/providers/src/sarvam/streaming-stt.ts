import { createStreamingResampler } from '@audexly/audio';
import type { StreamingResampler } from '@audexly/audio';
import { ErrorCode } from '@audexly/protocol';
import type { SarvamAI, SarvamAIClient } from 'sarvamai';
import { EventQueue } from '../event-queue.js';
import type { SttEvent, SttProvider, SttSession, SttSessionOptions } from '../stt.js';
import { messageOf, upstreamError } from '../upstream-error.js';
import { TranscriptAssembly, type Outgoing } from './transcript-assembly.js';

type SttSocket = Awaited<ReturnType<SarvamAIClient['speechToTextStreaming']['connect']>>;
type SttMessage = SarvamAI.SpeechToTextStreamingResponse;
type ConnectArgs = Parameters<SarvamAIClient['speechToTextStreaming']['connect']>[0];

/** Sarvam's classic model; the SDK's types only list saaras, the server still accepts it. */
export const defaultSarvamSttModel = 'saarika:v2.5';

/** How long a flush that Sarvam owes nothing for waits for an answer that may never come. */
export const DEFAULT_FLUSH_GRACE_MS = 150;

export interface SarvamStreamingSttOptions {
  /** See {@link DEFAULT_FLUSH_GRACE_MS}. */
  flushGraceMs?: number;
}

/**
 * Sarvam streaming STT over `/speech-to-text/ws`: one socket per call, one `final` per flush,
 * assembled from every transcript Sarvam sends for that audio ({@link TranscriptAssembly}: Sarvam
 * segments on its own VAD too, so transcripts come before, after or without a flush).
 *
 * Idle timeout: Sarvam closes a socket that receives nothing for a while (the limit is not
 * documented for STT). Rather than streaming billed silence as a keepalive, a session whose socket
 * closes (or errors) while idle — nothing owed by either side ({@link TranscriptAssembly.idle}) —
 * forgets it quietly and opens a new one when audio comes again; the audio queues meanwhile, and
 * the connect overlaps the caller's speech. A close or error while an utterance is in flight fails
 * the session with an error event.
 */
export class SarvamStreamingStt implements SttProvider {
  readonly name = 'sarvam-streaming';
  constructor(
    private readonly client: SarvamAIClient,
    private readonly options: SarvamStreamingSttOptions = {},
  ) {}

  async openSession(options: SttSessionOptions): Promise<SttSession> {
    // The socket takes 8 or 16 kHz; 24 kHz is resampled to 16 kHz on the way in.
    const wireRate = options.sampleRate === 8000 ? 8000 : 16000;
    const resampler =
      options.sampleRate === wireRate ? null : await createStreamingResampler(options.sampleRate, wireRate);
    const connect = (): Promise<SttSocket> =>
      this.client.speechToTextStreaming.connect({
        'language-code': options.language as ConnectArgs['language-code'],
        model: (options.model || defaultSarvamSttModel) as ConnectArgs['model'],
        input_audio_codec: 'pcm_s16le',
        sample_rate: String(wireRate),
        // Sarvam's VAD events tell the session when Sarvam still owes a transcript (see TranscriptAssembly).
        vad_signals: 'true',
        // Without it Sarvam ignores our flush.
        flush_signal: 'true',
        // Deliberately no SDK reconnects (its default is 30): a transparent reconnect would silently
        // drop the audio already sent for the utterance, and its retries would hold the caller's turn
        // for seconds. A failure mid-utterance is reported instead, and FallbackStt transcribes that
        // utterance over REST from the audio it kept. An idle socket that closes is reopened lazily
        // by this session at the next audio (see `connectionLost`).
        reconnectAttempts: 0,
      });
    const session = new StreamingSttSession(
      wireRate,
      resampler,
      connect,
      options.signal,
      this.options.flushGraceMs ?? DEFAULT_FLUSH_GRACE_MS,
    );
    await session.connect();
    return session;
  }
}

class StreamingSttSession implements SttSession {
  private readonly events = new EventQueue<SttEvent>();
  private readonly outbox: Outgoing[] = [];
  private socket: SttSocket | null = null;
  private connecting = false;
  private open = false;
  private finished = false;
  private readonly assembly: TranscriptAssembly;
  private readonly onAbort = (): void => this.shutdown(true);

  constructor(
    private readonly wireRate: number,
    private readonly resampler: StreamingResampler | null,
    private readonly connectSocket: () => Promise<SttSocket>,
    private readonly signal: AbortSignal | undefined,
    flushGraceMs: number,
  ) {
    this.assembly = new TranscriptAssembly(
      (event) => this.events.push(event),
      (message) => this.send(message),
      flushGraceMs,
    );
    if (signal?.aborted) this.shutdown(true);
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Opens a socket; a failure ends the session with an error event. */
  async connect(): Promise<void> {
    if (this.finished || this.socket || this.connecting) return;
    this.connecting = true;
    try {
      this.attach(await this.connectSocket());
    } catch (err) {
      this.fail(err, 'could not open the Sarvam STT socket');
    } finally {
      this.connecting = false;
    }
  }

  private attach(socket: SttSocket): void {
    if (this.finished) {
      socket.close();
      return;
    }
    this.socket = socket;
    this.open = false;
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.open = true;
      this.drain();
    });
    socket.on('message', (m) => {
      if (this.socket === socket) this.onMessage(m);
    });
    socket.on('error', (err) => this.connectionLost(socket, err, 'Sarvam STT socket error'));
    socket.on('close', (ev) =>
      this.connectionLost(socket, ev, `Sarvam STT socket closed unexpectedly (code ${ev.code})`),
    );
    if (socket.readyState === 1) {
      this.open = true;
      this.drain();
    }
  }

  /** The socket went away: quietly when idle (reopened at the next audio), else the session fails. */
  private connectionLost(socket: SttSocket, cause: unknown, message: string): void {
    if (this.finished || this.socket !== socket) return;
    // A socket that never opened is a connect failure, never an idle timeout.
    const idle = this.open && this.assembly.idle && this.outbox.length === 0;
    if (!idle) {
      this.fail(cause, message);
      return;
    }
    this.socket = null;
    this.open = false;
    try {
      socket.close();
    } catch {
      // Already closed.
    }
  }

  push(pcm: Buffer): void {
    if (this.finished) return;
    const wire = this.resampler ? this.resampler.push(pcm) : pcm;
    if (wire.byteLength === 0) return;
    this.assembly.audio(wire.toString('base64'));
  }

  flush(): void {
    if (this.finished) return;
    this.assembly.flush();
  }

  close(): Promise<void> {
    this.shutdown(true);
    return Promise.resolve();
  }

  /** Ends the session with an error event (once). */
  fail(cause: unknown, message: string): void {
    if (this.finished) return;
    const detail = cause instanceof Error ? `: ${messageOf(cause)}` : '';
    this.events.push({ type: 'error', error: upstreamError(ErrorCode.sttUpstream, `${message}${detail}`, cause) });
    this.shutdown();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private send(msg: Outgoing): void {
    this.outbox.push(msg);
    if (this.open) this.drain();
    else if (!this.socket && !this.connecting) this.reconnect();
  }

  private reconnect(): void {
    // connect() never rejects: it reports a failure as the session's error event.
    void this.connect();
  }

  private drain(): void {
    const socket = this.socket;
    if (!socket) return;
    try {
      for (let msg = this.outbox.shift(); msg; msg = this.outbox.shift()) {
        if (msg.kind === 'audio')
          socket.transcribe({ audio: msg.data, sample_rate: this.wireRate, encoding: 'audio/wav' });
        else socket.flush();
      }
    } catch (err) {
      this.fail(err, 'could not send to the Sarvam STT socket');
    }
  }

  private onMessage(m: SttMessage): void {
    if (m.type === 'data' && 'transcript' in m.data) {
      const d = m.data;
      this.assembly.transcript({
        text: d.transcript,
        language: d.language_code ?? null,
        audioSeconds: d.metrics?.audio_duration ?? 0,
      });
    } else if (m.type === 'events' && 'signal_type' in m.data && m.data.signal_type === 'START_SPEECH') {
      this.assembly.speechStarted();
    } else if (m.type === 'error') {
      const d = m.data as { error?: string; message?: string; code?: string };
      this.fail(m, `Sarvam STT error ${d.code ?? ''} ${d.error ?? d.message ?? ''}`.trim());
    }
  }

  /** Stops everything; `discard` drops events not yet read (close and abort are quiet). */
  private shutdown(discard = false): void {
    if (this.finished) return;
    this.finished = true;
    this.assembly.close();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.outbox.length = 0;
    this.resampler?.destroy();
    const socket = this.socket;
    this.socket = null;
    try {
      socket?.close();
    } catch {
      // The socket was never open; nothing to close.
    }
    this.events.end(discard);
  }
}
