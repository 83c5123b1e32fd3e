import { createStreamingResampler } from '@audexly/audio';
import type { SarvamAI, SarvamAIClient } from 'sarvamai';
import type { SttProvider, SttSession, SttSessionOptions } from '../stt.js';
import {
  closeSdkSocket,
  isSdkSocketOpen,
  SttSocketSession,
  type SttWire,
  type WireReader,
} from './stt-socket-session.js';

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
 * Sarvam streaming STT over `/speech-to-text/ws` (reference A2): transcripts only, no interim
 * results. The session (one socket at a time, one `final` per flush) is {@link SttSocketSession}.
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
    const session = new SttSocketSession(
      streamingWire(connect, wireRate),
      resampler,
      options.signal,
      this.options.flushGraceMs ?? DEFAULT_FLUSH_GRACE_MS,
    );
    await session.connect();
    return session;
  }
}

/** How `/speech-to-text/ws` is spoken through the SDK's socket. */
function streamingWire(connect: () => Promise<SttSocket>, wireRate: number): SttWire<SttSocket> {
  return {
    label: 'Sarvam STT',
    connect,
    listen: (socket, on) => {
      socket.on('open', on.open);
      socket.on('message', on.message);
      socket.on('error', on.error);
      socket.on('close', (ev) => on.close(ev.code));
    },
    isOpen: isSdkSocketOpen,
    answersEveryFlush: false,
    close: closeSdkSocket,
    sendAudio: (socket, data) => socket.transcribe({ audio: data, sample_rate: wireRate, encoding: 'audio/wav' }),
    sendFlush: (socket) => socket.flush(),
    read: (message, into) => readStreamingMessage(message as SttMessage, into),
  };
}

function readStreamingMessage(m: SttMessage, into: WireReader): void {
  if (m.type === 'data' && 'transcript' in m.data) {
    const d = m.data;
    into.transcript({
      text: d.transcript,
      language: d.language_code ?? null,
      audioSeconds: d.metrics?.audio_duration ?? 0,
    });
  } else if (m.type === 'events' && 'signal_type' in m.data && m.data.signal_type === 'START_SPEECH') {
    into.speechStarted();
  } else if (m.type === 'error') {
    const d = m.data as { error?: string; message?: string; code?: string };
    into.fail(m, `Sarvam STT error ${d.code ?? ''} ${d.error ?? d.message ?? ''}`.trim());
  }
}
