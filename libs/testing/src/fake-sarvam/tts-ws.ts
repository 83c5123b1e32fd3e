import { bytesForMs } from '@audexly/audio';
import type { WebSocket } from 'ws';
import { espeakVoiceFor, synthesizeSpeech } from '../espeak.js';
import { sleep } from '../http-io.js';
import { ttsSocketError } from './errors.js';
import { closeWhenIdle } from './idle-timer.js';
import { SocketOutbox } from './socket-outbox.js';
import type { FakeSarvamState, RequestLogEntry } from './state.js';
import { encodeTtsAudio, ttsContentType } from './tts-audio.js';
import type { SarvamFailure } from './types.js';
import { fakeSarvamDefaults } from './types.js';
import type { TtsModelInfo } from '@audexly/protocol';
import { checkTtsSocketConfig, checkTtsSocketText } from './validate-tts.js';
import type { TtsSocketConfig } from './validate-tts.js';

/** What the upgrade settled for one socket (its query). */
export interface TtsSocketSettings {
  model: TtsModelInfo;
  completionEvent: boolean;
}

/**
 * `/text-to-speech/ws`, Sarvam's streaming TTS (reference A4), speaking real synthetic speech:
 * - `config` must come first and may be re-sent; each is checked (`validate-tts.ts`) and a refused
 *   one leaves the previous config in force. Text buffered under the old config is spoken with it
 *   before the new one applies ("the buffer is flushed").
 * - `text` accumulates; once the buffer holds `min_buffer_size` characters it is spoken without
 *   waiting for a flush. `flush` speaks what is left, then sends `event` `final` unless
 *   `send_completion_event=false`.
 * - Audio goes out in `ttsChunkMs` pieces in the config's codec (wav chunks each with a header), as
 *   fast as it can (`ttsStall` pauses each synthesis once, mid-sentence).
 * - Errors are `{"type":"error","data":{"message","code":<status>,"details":{},"request_id"}}`;
 *   everything the socket sends goes out in order. A socket that receives nothing for
 *   `ttsIdleTimeoutMs` (default one minute) is closed with 1008.
 */
export function serveTtsSocket(
  state: FakeSarvamState,
  ws: WebSocket,
  settings: TtsSocketSettings,
  log: RequestLogEntry,
  scripted: SarvamFailure | undefined,
): void {
  const outbox = new SocketOutbox(ws, log);
  const touch = closeWhenIdle(ws, state.options.ttsIdleTimeoutMs ?? fakeSarvamDefaults.ttsIdleTimeoutMs);
  let failure = scripted;
  let config: TtsSocketConfig | null = null;
  let buffered = '';
  const fail = (message: string, status: number): void =>
    outbox.send(ttsSocketError(message, status, state.requestId()));

  /** Speaks the buffered text with the config in force now (queued behind earlier work). */
  const speakBuffered = (cfg: TtsSocketConfig, completion: boolean): void => {
    const text = buffered;
    buffered = '';
    outbox.run(
      () => speak(state, outbox, text, cfg, completion && settings.completionEvent),
      (err) => outbox.sendNow(ttsSocketError(`synthesis failed: ${err.message}`, 500, state.requestId())),
    );
  };

  ws.on('message', (raw: Buffer) => {
    touch();
    let msg: { type?: unknown; data?: unknown };
    try {
      msg = JSON.parse(raw.toString('utf8')) as typeof msg;
    } catch {
      return fail('Invalid JSON message', 400);
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return fail('Expected a JSON object', 400);
    log.addMessage(msg);
    if (msg.type === 'config') {
      const checked = checkTtsSocketConfig(
        typeof msg.data === 'object' && msg.data !== null ? (msg.data as Record<string, unknown>) : {},
        settings.model,
      );
      if (!checked.ok) return fail(checked.refusal.message, checked.refusal.status);
      if (config && buffered) speakBuffered(config, false);
      config = checked.value;
      log.params = { ...log.params, ...(msg.data as Record<string, unknown>) };
    } else if (msg.type === 'text') {
      if (!config) return fail('Config message must be sent before text', 400);
      const checked = checkTtsSocketText(msg.data);
      if (!checked.ok) return fail(checked.refusal.message, checked.refusal.status);
      buffered += checked.value;
      log.texts.push(checked.value);
      if ([...buffered].length >= config.minBufferSize) speakBuffered(config, false);
    } else if (msg.type === 'flush') {
      if (!config) return fail('Config message must be sent before flush', 400);
      if (failure && 'close' in failure) return outbox.close(failure.close, 'injected failure');
      if (failure && 'error' in failure) {
        buffered = '';
        fail(failure.error, 500);
        failure = undefined;
        return;
      }
      speakBuffered(config, true);
    }
    // ping and unknown types: ignored (a ping only keeps the socket from idling).
  });
}

async function speak(
  state: FakeSarvamState,
  outbox: SocketOutbox,
  text: string,
  cfg: TtsSocketConfig,
  completionEvent: boolean,
): Promise<void> {
  if (text.trim()) {
    const pcm = await synthesizeSpeech({
      text,
      voice: espeakVoiceFor(cfg.language),
      sampleRate: cfg.sampleRate,
      pace: cfg.pace,
    });
    await sleep(state.options.ttsFirstByteMs ?? 0);
    const step = bytesForMs(state.options.ttsChunkMs ?? fakeSarvamDefaults.ttsChunkMs, cfg.sampleRate);
    const stall = state.options.ttsStall;
    for (let i = 0; i < pcm.byteLength; i += step) {
      if (stall && i === stall.afterChunks * step) await sleep(stall.ms);
      const audio = encodeTtsAudio(pcm.subarray(i, i + step), cfg.sampleRate, cfg.codec);
      if (
        !outbox.sendNow({
          type: 'audio',
          data: {
            content_type: ttsContentType(cfg.codec),
            audio: audio.toString('base64'),
            request_id: state.requestId(),
          },
        })
      )
        return;
      await new Promise((r) => setImmediate(r));
    }
  }
  if (completionEvent)
    outbox.sendNow({
      type: 'event',
      data: { event_type: 'final', message: 'Synthesis complete', timestamp: new Date().toISOString() },
    });
}
