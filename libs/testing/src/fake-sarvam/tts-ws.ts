import { bytesForMs, encodeWav } from '@audexly/audio';
import type { WebSocket } from 'ws';
import { espeakVoiceFor, synthesizeSpeech } from '../espeak.js';
import { sleep } from '../http-io.js';
import type { FakeSarvamState } from './state.js';
import type { SarvamFailure, SarvamRequestLog } from './types.js';

interface TtsConfig {
  language_code?: string;
  target_language_code?: string;
  speech_sample_rate?: number | string;
  output_audio_codec?: string;
  pace?: number;
}

/**
 * `/text-to-speech/ws` per Sarvam's streaming TTS: `config` first, `text` accumulates, `flush`
 * synthesises real speech and sends `audio` chunks (linear16 raw, or wav chunks each with a header),
 * then an `event` `final` unless `send_completion_event=false`.
 */
export function serveTtsSocket(state: FakeSarvamState, ws: WebSocket, completionEvent: boolean, log: SarvamRequestLog, failure: SarvamFailure | undefined): void {
  let config: TtsConfig | null = null;
  let text = '';
  let work = Promise.resolve();
  const send = (msg: unknown): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const fail = (message: string, code: number): void => send({ type: 'error', data: { message, code, details: {}, request_id: state.requestId() } });

  ws.on('message', (raw: Buffer) => {
    let msg: { type?: string; data?: Record<string, unknown> };
    try {
      msg = JSON.parse(raw.toString('utf8')) as typeof msg;
    } catch {
      fail('Invalid JSON message', 400);
      return;
    }
    log.messages.push(msg);
    if (msg.type === 'config') {
      config = (msg.data ?? {});
      log.params = { ...log.params, ...config };
    } else if (msg.type === 'text') {
      if (!config) return fail('Config message must be sent before text', 400);
      const piece = typeof msg.data?.text === 'string' ? msg.data.text : '';
      text += piece;
      log.texts.push(piece);
    } else if (msg.type === 'flush') {
      if (!config) return fail('Config message must be sent before flush', 400);
      if (failure && 'close' in failure) return ws.close(failure.close, 'injected failure');
      if (failure && 'error' in failure) return fail(failure.error, 500);
      const toSpeak = text;
      const current = config;
      text = '';
      work = work.then(() => speak(toSpeak, current)).catch((err: Error) => fail(`synthesis failed: ${err.message}`, 500));
    }
    // ping and unknown types: ignored.
  });

  async function speak(toSpeak: string, cfg: TtsConfig): Promise<void> {
    const codec = cfg.output_audio_codec ?? 'mp3';
    if (codec !== 'linear16' && codec !== 'wav') return fail(`The fake only produces linear16 and wav, not ${codec}`, 400);
    const rate = Number(cfg.speech_sample_rate ?? 22050);
    if (toSpeak.trim()) {
      const language = cfg.language_code ?? cfg.target_language_code;
      const pcm = await synthesizeSpeech({ text: toSpeak, voice: espeakVoiceFor(language), sampleRate: rate, pace: cfg.pace ?? 1 });
      await sleep(state.options.ttsFirstByteMs ?? 0);
      const step = bytesForMs(state.options.ttsChunkMs ?? 100, rate);
      for (let i = 0; i < pcm.byteLength; i += step) {
        if (ws.readyState !== ws.OPEN) return;
        const piece = pcm.subarray(i, i + step);
        const audio = codec === 'wav' ? encodeWav(piece, rate) : piece;
        send({ type: 'audio', data: { content_type: codec === 'wav' ? 'audio/wav' : 'audio/pcm', audio: audio.toString('base64'), request_id: state.requestId() } });
        await new Promise((r) => setImmediate(r));
      }
    }
    if (completionEvent) send({ type: 'event', data: { event_type: 'final', message: 'Synthesis complete', timestamp: new Date().toISOString() } });
  }
}
