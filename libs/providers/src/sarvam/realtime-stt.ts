import { createStreamingResampler } from '@audexly/audio';
import type { SarvamAI, SarvamAIClient } from 'sarvamai';
import type { SttProvider, SttSession, SttSessionOptions } from '../stt.js';
import { DEFAULT_FLUSH_GRACE_MS, type SarvamStreamingSttOptions } from './streaming-stt.js';
import {
  closeSdkSocket,
  isSdkSocketOpen,
  SttSocketSession,
  type SttWire,
  type WireReader,
} from './stt-socket-session.js';

type RealtimeClient = SarvamAIClient['speechToTextRealtimeStreaming'];
type RealtimeSocket = Awaited<ReturnType<RealtimeClient['connect']>>;
type RealtimeMessage =
  | SarvamAI.RealtimeSessionBegin
  | SarvamAI.RealtimeVadSpeechStart
  | SarvamAI.RealtimeVadSpeechEnd
  | SarvamAI.RealtimeTranscriptPartial
  | SarvamAI.RealtimeTranscriptFinal
  | SarvamAI.RealtimeConfigUpdated
  | SarvamAI.RealtimePong
  | SarvamAI.RealtimeSessionEnd
  | SarvamAI.RealtimeError;
type ConnectArgs = Parameters<RealtimeClient['connect']>[0];

/** The realtime endpoint's default model. */
export const defaultSarvamRealtimeSttModel = 'saaras:v3-realtime';

export interface SarvamRealtimeSttOptions extends SarvamStreamingSttOptions {
  /**
   * The API key again: the SDK's client for this endpoint (sarvamai 1.1.10) does not send the
   * client's key; it sends only the one given to `connect()`.
   */
  apiKey: string;
}

/**
 * Sarvam's realtime STT over `/speech-to-text-realtime/ws` (reference A2b, beta: it needs beta
 * access on the account). Unlike the streaming endpoint it sends interim transcripts
 * (`transcript.partial`), which the session reports as `partial` events: the transcript so far is
 * in hand when the caller pauses, instead of one STT round trip later.
 *
 * Endpointing is manual: the SDK documents `flush` for manual endpointing only, and the platform
 * has its own VAD anyway. Each stretch of audio between two of our flushes is one Sarvam
 * utterance: `speech_start` before its first audio (partials stream from there), `speech_end` at
 * the flush ("the server finalizes the transcript": one `transcript.final`, speech or not, which
 * the session waits for — FallbackStt's flush timeout bounds that wait). The session
 * ({@link SttSocketSession}) turns that into one `final` per flush.
 *
 * Languages: this endpoint spells Odia `or-IN` (everywhere else `od-IN`) and auto-detection `auto`
 * (elsewhere `unknown`); both are translated here. Agents name the model of the streaming endpoint
 * (`saarika:v2.5`, `saaras:v3`), which this endpoint refuses, so a model without `-realtime` in its
 * name is replaced by {@link defaultSarvamRealtimeSttModel}.
 */
export class SarvamRealtimeStt implements SttProvider {
  readonly name = 'sarvam-realtime';
  readonly interimTranscripts = true;
  constructor(
    private readonly client: SarvamAIClient,
    private readonly options: SarvamRealtimeSttOptions,
  ) {}

  async openSession(options: SttSessionOptions): Promise<SttSession> {
    const wireRate = options.sampleRate === 8000 ? 8000 : 16000;
    const resampler =
      options.sampleRate === wireRate ? null : await createStreamingResampler(options.sampleRate, wireRate);
    const connect = (): Promise<RealtimeSocket> =>
      this.client.speechToTextRealtimeStreaming.connect({
        language_code: realtimeLanguage(options.language),
        model: realtimeModel(options.model),
        encoding: 'linear16',
        sample_rate: String(wireRate),
        endpointing: 'manual',
        // For start_s / end_s on each final: the audio each transcript covers (audioSeconds).
        return_timestamps: 'true',
        'Api-Subscription-Key': this.options.apiKey,
        // No transparent reconnects: see SarvamStreamingStt (a reconnect would drop the utterance's audio).
        reconnectAttempts: 0,
      });
    const session = new SttSocketSession(
      realtimeWire(connect),
      resampler,
      options.signal,
      this.options.flushGraceMs ?? DEFAULT_FLUSH_GRACE_MS,
    );
    await session.connect();
    return session;
  }
}

/** The agent's language as this endpoint spells it. */
export function realtimeLanguage(language: string): ConnectArgs['language_code'] {
  if (language === 'unknown' || language === '') return 'auto';
  if (language === 'od-IN') return 'or-IN';
  return language as ConnectArgs['language_code'];
}

/** The agent's model if it is a realtime one, else this endpoint's default. */
export function realtimeModel(model: string): ConnectArgs['model'] {
  return (model.includes('-realtime') ? model : defaultSarvamRealtimeSttModel) as ConnectArgs['model'];
}

/** How `/speech-to-text-realtime/ws` is spoken through the SDK's socket, with manual endpointing. */
function realtimeWire(connect: () => Promise<RealtimeSocket>): SttWire<RealtimeSocket> {
  /** Sockets inside an utterance (between our `speech_start` and `speech_end`). */
  const speaking = new WeakSet<RealtimeSocket>();
  const startUtterance = (socket: RealtimeSocket): void => {
    if (speaking.has(socket)) return;
    socket.sendRealtimeSpeechStart({ event: 'speech_start' });
    speaking.add(socket);
  };
  return {
    label: 'Sarvam realtime STT',
    connect,
    answersEveryFlush: true,
    listen: (socket, on) => {
      socket.on('open', on.open);
      socket.on('message', on.message);
      socket.on('error', on.error);
      socket.on('close', (ev) => on.close(ev.code));
    },
    isOpen: isSdkSocketOpen,
    close: closeSdkSocket,
    sendAudio: (socket, data) => {
      startUtterance(socket);
      socket.sendRealtimeAudioInput({ event: 'audio_input', audio: data });
    },
    // A flush always ends an utterance we started, so Sarvam owes exactly one final for it.
    sendFlush: (socket) => {
      startUtterance(socket);
      socket.sendRealtimeSpeechEnd({ event: 'speech_end' });
      speaking.delete(socket);
    },
    read: (message, into) => readRealtimeMessage(message as RealtimeMessage, into),
  };
}

function readRealtimeMessage(m: RealtimeMessage, into: WireReader): void {
  switch (m.event) {
    case 'vad.speech_start':
      into.speechStarted();
      break;
    case 'transcript.partial':
      into.partial(m.text);
      break;
    case 'transcript.final':
      into.transcript({
        text: m.text,
        language: m.language ?? null,
        audioSeconds: m.start_s !== undefined && m.end_s !== undefined ? Math.max(0, m.end_s - m.start_s) : 0,
      });
      break;
    case 'error':
      // A non-fatal error is about one message (the socket lives on); a fatal one ends the session.
      if (m.is_fatal) into.fail(m, `Sarvam realtime STT error ${m.code}: ${m.message}`);
      break;
    default:
      // session.begin, vad.speech_end, config.updated, pong, session.end: nothing to do.
      break;
  }
}
