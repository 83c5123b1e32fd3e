import { bytesForMs } from '@audexly/audio';
import { SarvamAIClient } from 'sarvamai';
import type { SarvamAI } from 'sarvamai';
import type { FakeSarvam } from '../server.js';

/**
 * Test helpers that drive the fake with the official `sarvamai` SDK, as the providers do. Waiting is
 * always for a message or a close, never for time; a wait that gives up says what did arrive.
 */

/** How long a wait for a message may take before the test fails with what arrived (generous: a loaded 2-core machine). */
const WAIT_MS = 15_000;

export type SttConnectArgs = Parameters<SarvamAIClient['speechToTextStreaming']['connect']>[0];
export type SttSocket = Awaited<ReturnType<SarvamAIClient['speechToTextStreaming']['connect']>>;
export type TtsConnectArgs = NonNullable<Parameters<SarvamAIClient['textToSpeechStreaming']['connect']>[0]>;
export type TtsSocket = Awaited<ReturnType<SarvamAIClient['textToSpeechStreaming']['connect']>>;
export type SttMessage = SarvamAI.SpeechToTextStreamingResponse;
export type TtsMessage = SarvamAI.AudioOutput | SarvamAI.EventResponse | SarvamAI.ErrorResponse;

/** An SDK client pointed at the fake, with no REST retries (a refusal is seen once). */
export function sdkClient(fake: FakeSarvam, apiKey = 'test-key'): SarvamAIClient {
  return new SarvamAIClient({
    apiSubscriptionKey: apiKey,
    environment: { base: fake.url, production: fake.url.replace(/^http/, 'ws'), creative: `${fake.url}/dubbing` },
    maxRetries: 0,
  });
}

/** Everything a socket received, in order, and ways to wait for more. */
export class Inbox<M> {
  readonly messages: M[] = [];
  private closeCode: number | null = null;
  private readonly waiters = new Set<() => void>();

  receive(message: M): void {
    this.messages.push(message);
    this.wake();
  }

  closed(code: number): void {
    this.closeCode = code;
    this.wake();
  }

  /** The first message (from `from` on) that matches. */
  waitFor(match: (m: M) => boolean, what: string, from = 0): Promise<M> {
    return this.until(() => this.messages.slice(from).find(match), what);
  }

  /** Resolves once `count` messages have arrived, with them. */
  waitForCount(count: number): Promise<M[]> {
    return this.until(
      () => (this.messages.length >= count ? this.messages.slice(0, count) : undefined),
      `${count} messages`,
    );
  }

  /** The close code, once the socket closes. */
  waitForClose(): Promise<number> {
    return this.until(() => this.closeCode ?? undefined, 'the socket to close');
  }

  private until<T>(check: () => T | undefined, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = (): void => {
        const found = check();
        if (found === undefined) return;
        this.waiters.delete(attempt);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(attempt);
        reject(new Error(`waited ${WAIT_MS} ms for ${what}; received ${JSON.stringify(this.messages).slice(0, 2000)}`));
      }, WAIT_MS);
      this.waiters.add(attempt);
      attempt();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The defaults the tests connect with: English at 16 kHz, raw PCM, flush honoured, no VAD events. */
export const sttArgs: SttConnectArgs = {
  'language-code': 'en-IN',
  model: 'saaras:v3',
  input_audio_codec: 'pcm_s16le',
  sample_rate: '16000',
  flush_signal: 'true',
  vad_signals: 'false',
  reconnectAttempts: 0,
};

/** An open STT socket on the fake, with everything it receives. */
export async function openStt(
  fake: FakeSarvam,
  args: Partial<SttConnectArgs> = {},
): Promise<{ socket: SttSocket; inbox: Inbox<SttMessage> }> {
  const socket = await sdkClient(fake).speechToTextStreaming.connect({ ...sttArgs, ...args });
  const inbox = new Inbox<SttMessage>();
  socket.on('message', (m) => inbox.receive(m));
  socket.on('close', (ev) => inbox.closed(ev.code));
  await socket.waitForOpen();
  return { socket, inbox };
}

/** Streams PCM the way a provider does: `chunkMs` pieces, each its own audio message. */
export function streamAudio(socket: SttSocket, pcm: Buffer, sampleRate: number, chunkMs = 20): void {
  const step = bytesForMs(chunkMs, sampleRate);
  for (let i = 0; i < pcm.byteLength; i += step) {
    socket.transcribe({
      audio: pcm.subarray(i, i + step).toString('base64'),
      sample_rate: sampleRate,
      encoding: 'audio/wav',
    });
  }
}

let barriers = 0;

/**
 * Proves the fake has answered everything sent before: sends an audio message the fake must refuse
 * (a unique bad encoding) and waits for that error — the socket answers in order, so whatever was
 * due for earlier messages has arrived by then. Returns the messages that came before it.
 */
export async function sttBarrier(socket: SttSocket, inbox: Inbox<SttMessage>): Promise<SttMessage[]> {
  const marker = `barrier-${++barriers}`;
  socket.transcribe({ audio: '', sample_rate: 16000, encoding: marker });
  const error = await inbox.waitFor(
    (m) => m.type === 'error' && JSON.stringify(m.data).includes(marker),
    `the ${marker} error`,
  );
  return inbox.messages.slice(0, inbox.messages.indexOf(error));
}

/** A TTS socket on the fake, opened and with everything it receives. */
export async function openTts(
  fake: FakeSarvam,
  args: TtsConnectArgs = {},
): Promise<{ socket: TtsSocket; inbox: Inbox<TtsMessage> }> {
  const socket = await sdkClient(fake).textToSpeechStreaming.connect({
    send_completion_event: 'true',
    reconnectAttempts: 0,
    ...args,
  });
  const inbox = new Inbox<TtsMessage>();
  socket.on('message', (m) => inbox.receive(m));
  socket.on('close', (ev) => inbox.closed(ev.code));
  await socket.waitForOpen();
  return { socket, inbox };
}

/** Whether connecting fails (the upgrade refused); the SDK's waitForOpen rejects. */
export async function sttConnectFails(fake: FakeSarvam, args: Partial<SttConnectArgs>): Promise<boolean> {
  const socket = await sdkClient(fake).speechToTextStreaming.connect({ ...sttArgs, ...args });
  let failed = false;
  try {
    await socket.waitForOpen();
  } catch {
    failed = true;
  }
  socket.close();
  return failed;
}

/** A message in a word: `data:<transcript>`, `START_SPEECH`, `END_SPEECH` or `error:<code>`. */
export function describeStt(m: SttMessage): string {
  const data = m.data as { transcript?: string; signal_type?: string; code?: string };
  if (m.type === 'data') return `data:${data.transcript}`;
  if (m.type === 'events') return data.signal_type ?? 'event';
  return `error:${data.code}`;
}

/** The `data` payload of a transcript message. */
export function transcriptData(m: SttMessage | undefined): SarvamAI.SpeechToTextTranscriptionData {
  if (m?.type !== 'data') throw new Error(`not a transcript: ${JSON.stringify(m)}`);
  return m.data as SarvamAI.SpeechToTextTranscriptionData;
}
