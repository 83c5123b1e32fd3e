import type { IncomingMessage } from 'node:http';
import { isWav, parseWav } from '@audexly/audio';
import type { WebSocket } from 'ws';
import { sleep } from '../http-io.js';
import type { FakeSarvamState } from './state.js';
import type { SarvamFailure, SarvamRequestLog } from './types.js';

/**
 * `/speech-to-text/ws` per Sarvam's legacy streaming API: audio messages accumulate; a flush (with
 * `flush_signal=true`) answers one `data` message with `metrics`; `vad_signals=true` adds
 * START_SPEECH/END_SPEECH events.
 */
export function serveSttSocket(state: FakeSarvamState, ws: WebSocket, req: IncomingMessage, log: SarvamRequestLog, scripted: SarvamFailure | undefined): void {
  let failure = scripted;
  const query = new URL(req.url ?? '/', 'http://fake').searchParams;
  const rate = Number(query.get('sample_rate') ?? 16000);
  const flushSignal = query.get('flush_signal') === 'true';
  const vadSignals = query.get('vad_signals') === 'true';
  const language = query.get('language-code') ?? 'unknown';
  let utterance: Buffer[] = [];
  let speaking = false;
  let answers = Promise.resolve();
  const send = (msg: unknown): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const vadEvent = (signal: 'START_SPEECH' | 'END_SPEECH'): void =>
    send({ type: 'events', data: { event_type: 'vad', timestamp: new Date().toISOString(), signal_type: signal, occured_at: Date.now() / 1000 } });

  const idleMs = state.options.sttIdleTimeoutMs;
  let idleTimer: NodeJS.Timeout | null = null;
  const armIdle = (): void => {
    if (idleMs === undefined) return;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => ws.close(1008, 'idle timeout'), idleMs);
  };
  armIdle();
  ws.on('close', () => {
    if (idleTimer) clearTimeout(idleTimer);
  });

  ws.on('message', (raw: Buffer) => {
    armIdle();
    let msg: { audio?: { data?: string }; type?: string };
    try {
      msg = JSON.parse(raw.toString('utf8')) as typeof msg;
    } catch {
      send({ type: 'error', data: { error: 'Invalid JSON message', code: 'invalid_request_error' } });
      return;
    }
    log.messages.push(msg);
    if (msg.audio) {
      const bytes = Buffer.from(msg.audio.data ?? '', 'base64');
      const pcm = isWav(bytes) ? parseWav(bytes).pcm : bytes;
      utterance.push(pcm);
      log.audio = Buffer.concat([log.audio, pcm]);
      if (vadSignals && !speaking) vadEvent('START_SPEECH');
      speaking = true;
    } else if (msg.type === 'flush' && flushSignal) {
      if (failure && 'close' in failure) {
        ws.close(failure.close, 'injected failure');
        return;
      }
      if (failure && 'error' in failure) {
        send({ type: 'error', data: { error: failure.error, code: 'internal_server_error' } });
        return;
      }
      if (failure && 'stall' in failure) {
        failure = undefined;
        utterance = [];
        speaking = false;
        return;
      }
      const audio = Buffer.concat(utterance);
      utterance = [];
      speaking = false;
      answers = answers.then(async () => {
        const transcript = state.transcriptFor(audio, rate);
        await sleep(state.options.sttLatencyMs ?? 0);
        if (vadSignals) vadEvent('END_SPEECH');
        send({
          type: 'data',
          data: {
            request_id: state.requestId(),
            transcript,
            timestamps: null,
            diarized_transcript: null,
            language_code: language === 'unknown' ? 'en-IN' : language,
            language_probability: null,
            metrics: { audio_duration: audio.byteLength / 2 / rate, processing_latency: (state.options.sttLatencyMs ?? 0) / 1000 },
          },
        });
      });
    }
    // Unknown message types (end_of_stream, config, …) are ignored, as the real server does.
  });
}
