import { bytesForMs } from '@audexly/audio';
import type { SarvamAI, SarvamAIClient } from 'sarvamai';
import type { FakeSarvam } from '../server.js';
import { Inbox, sdkClient } from './sdk-sockets.js';

/**
 * Test helpers that drive the fake's realtime STT socket with the official `sarvamai` SDK
 * (`client.speechToTextRealtimeStreaming`). Waiting is for a message or a close, never for time.
 *
 * The SDK's realtime client ignores the client's `apiSubscriptionKey`: the key must be given to
 * `connect` as `"Api-Subscription-Key"`, and goes only in that header (no subprotocol).
 */

export type RealtimeConnectArgs = Parameters<SarvamAIClient['speechToTextRealtimeStreaming']['connect']>[0];
export type RealtimeSocket = Awaited<ReturnType<SarvamAIClient['speechToTextRealtimeStreaming']['connect']>>;
/** Every message the server may send (the SDK socket's `Response`). */
export type RealtimeMessage =
  | SarvamAI.RealtimeSessionBegin
  | SarvamAI.RealtimeVadSpeechStart
  | SarvamAI.RealtimeVadSpeechEnd
  | SarvamAI.RealtimeTranscriptPartial
  | SarvamAI.RealtimeTranscriptFinal
  | SarvamAI.RealtimeConfigUpdated
  | SarvamAI.RealtimePong
  | SarvamAI.RealtimeSessionEnd
  | SarvamAI.RealtimeError;

/** The defaults the tests connect with: English at 8 kHz (telephony), linear16, VAD endpointing. */
export const realtimeArgs: RealtimeConnectArgs = {
  language_code: 'en-IN',
  sample_rate: '8000',
  'Api-Subscription-Key': 'test-key',
  reconnectAttempts: 0,
};

/** A realtime socket on the fake, opened, with everything it receives (`clientKey`: the SDK client's key, which it ignores). */
export async function openRealtime(
  fake: FakeSarvam,
  args: Partial<RealtimeConnectArgs> = {},
  clientKey = 'test-key',
): Promise<{ socket: RealtimeSocket; inbox: Inbox<RealtimeMessage> }> {
  const socket = await sdkClient(fake, clientKey).speechToTextRealtimeStreaming.connect({ ...realtimeArgs, ...args });
  const inbox = new Inbox<RealtimeMessage>();
  socket.on('message', (m) => inbox.receive(m));
  socket.on('close', (ev) => inbox.closed(ev.code));
  await socket.waitForOpen();
  return { socket, inbox };
}

/** What a connection the server closed received: every message, the close code and its reason. */
export interface RealtimeClosed {
  messages: RealtimeMessage[];
  code: number;
  reason: string;
}

/**
 * Connects and waits for the server to close the socket (a refusal: the upgrade succeeds, then a
 * fatal error and a close). `reconnectAttempts: 0`, so the SDK does not try again.
 */
export async function realtimeRefusal(fake: FakeSarvam, args: Partial<RealtimeConnectArgs>): Promise<RealtimeClosed> {
  const socket = await sdkClient(fake).speechToTextRealtimeStreaming.connect({ ...realtimeArgs, ...args });
  const inbox = new Inbox<RealtimeMessage>();
  let reason = '';
  socket.on('message', (m) => inbox.receive(m));
  socket.on('close', (ev) => {
    reason = ev.reason;
    inbox.closed(ev.code);
  });
  const code = await inbox.waitForClose();
  const closed = { messages: [...inbox.messages], code, reason };
  socket.close();
  return closed;
}

/** Splits PCM into messages of `chunkMs`, or of the sizes `nextBytes` picks (even, ≥ 2). */
export function audioChunks(pcm: Buffer, sampleRate: number, chunkMs = 20, nextBytes?: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < pcm.byteLength;) {
    const step = nextBytes ? nextBytes() : bytesForMs(chunkMs, sampleRate);
    chunks.push(pcm.subarray(i, i + step));
    i += step;
  }
  return chunks;
}

/** Sends each chunk as one `audio_input` message, at once. */
export function sendAudio(socket: RealtimeSocket, chunks: Buffer[]): void {
  for (const chunk of chunks) socket.sendRealtimeAudioInput({ event: 'audio_input', audio: chunk.toString('base64') });
}

/**
 * Proves the fake has answered everything sent before: sends a ping and waits for its pong (the
 * socket answers in order). Returns the messages that came before that pong.
 */
export async function realtimeBarrier(
  socket: RealtimeSocket,
  inbox: Inbox<RealtimeMessage>,
): Promise<RealtimeMessage[]> {
  const from = inbox.messages.length;
  socket.sendRealtimePing({ event: 'ping' });
  const pong = await inbox.waitFor((m) => m.event === 'pong', 'a pong', from);
  return inbox.messages.slice(0, inbox.messages.indexOf(pong, from));
}

/** A message in a word: `begin`, `start:0`, `end:0`, `partial:0:<text>`, `final:0:<text>`, `error:<code>`, … */
export function describeRealtime(m: RealtimeMessage): string {
  switch (m.event) {
    case 'vad.speech_start':
      return `start:${m.utterance_idx}`;
    case 'vad.speech_end':
      return `end:${m.utterance_idx}`;
    case 'transcript.partial':
      return `partial:${m.utterance_idx}:${m.text}`;
    case 'transcript.final':
      return `final:${m.utterance_idx}:${m.text}`;
    case 'error':
      return `error:${m.code}`;
    case 'session.begin':
      return 'begin';
    case 'session.end':
      return 'session-end';
    default:
      return m.event;
  }
}

/** The first `transcript.final` (from message `from` on). */
export async function waitForFinal(inbox: Inbox<RealtimeMessage>, from = 0): Promise<SarvamAI.RealtimeTranscriptFinal> {
  return (await inbox.waitFor(isFinal, 'a transcript.final', from)) as SarvamAI.RealtimeTranscriptFinal;
}

export const isFinal = (m: RealtimeMessage): m is SarvamAI.RealtimeTranscriptFinal => m.event === 'transcript.final';
export const isPartial = (m: RealtimeMessage): m is SarvamAI.RealtimeTranscriptPartial =>
  m.event === 'transcript.partial';
export const isError = (m: RealtimeMessage): m is SarvamAI.RealtimeError => m.event === 'error';
