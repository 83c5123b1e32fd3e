/**
 * `/speech-to-text/ws`, Sarvam's legacy streaming STT (reference A2).
 *
 * Segmentation is the server's as much as the client's. Like the real service, the fake runs its
 * own VAD over the audio it receives (`energy-vad.ts`: 20 ms frames, energy threshold, in audio
 * time — samples received, not wall time) and cuts it into segments (`stt-segmenter.ts`):
 * - When the VAD hears speech end (`sttEndOfSpeechMs` of silence after speech, default 600 ms), the
 *   fake sends that segment's `data` unasked, after `sttLatencyMs`, whether or not the client ever
 *   flushes. A caller who pauses longer than that gets several `data` for one "utterance". A segment
 *   covers every byte since the previous boundary up to the end of speech.
 * - `vad_signals=true` adds `events` START_SPEECH at onset and END_SPEECH at the end (before that
 *   segment's `data`); without it, segmentation is the same but no events are sent.
 * - `{"type":"flush"}` is honoured only with `flush_signal=true`. It ends the segment where it is:
 *   audio that held speech is answered with one `data` (no END_SPEECH); audio that held only silence
 *   gets nothing, or an empty transcript with `sttSilentFlush: 'empty'`; no audio since the last
 *   boundary (e.g. right after the server's own segment) gets nothing at all.
 * - Each segment that held speech takes the next transcript (`state.transcriptFor`).
 * - `high_vad_sensitivity` and the fine VAD tuning parameters are accepted and change nothing.
 * Everything a socket sends goes out in order. Bad connections are refused at the upgrade
 * (`validate-stt.ts`); bad messages get `{"type":"error","data":{"error","code"}}`. A socket that
 * receives nothing for `sttIdleTimeoutMs` is closed with 1008.
 */
import type { WebSocket } from 'ws';
import { sleep } from '../http-io.js';
import { sttSocketError } from './errors.js';
import { closeWhenIdle } from './idle-timer.js';
import type { FakeSarvamState, RequestLogEntry } from './state.js';
import { decodeAudioMessage } from './stt-audio-message.js';
import { SttSegmenter } from './stt-segmenter.js';
import { SocketOutbox } from './socket-outbox.js';
import type { SarvamFailure, SentTranscript } from './types.js';
import { fakeSarvamDefaults } from './types.js';
import type { SttSocketSettings } from './validate-stt.js';

/** The language the fake "detects" when asked for `unknown`. */
const DETECTED_LANGUAGE = 'en-IN';

export function serveSttSocket(
  state: FakeSarvamState,
  ws: WebSocket,
  settings: SttSocketSettings,
  log: RequestLogEntry,
  scripted: SarvamFailure | undefined,
): void {
  const { options } = state;
  const outbox = new SocketOutbox(ws, log);
  const segmenter = new SttSegmenter(
    settings.sampleRate,
    options.sttEndOfSpeechMs ?? fakeSarvamDefaults.sttEndOfSpeechMs,
  );
  const silentFlush = options.sttSilentFlush ?? fakeSarvamDefaults.sttSilentFlush;
  const touch = closeWhenIdle(ws, options.sttIdleTimeoutMs ?? fakeSarvamDefaults.sttIdleTimeoutMs);
  let failure = scripted;
  let closing = false;
  let receivedBytes = 0;

  const vadEvent = (signal: 'START_SPEECH' | 'END_SPEECH'): void => {
    if (!settings.vadSignals) return;
    outbox.run(() => {
      const now = new Date();
      outbox.sendNow({
        type: 'events',
        data: {
          event_type: 'vad',
          timestamp: now.toISOString(),
          signal_type: signal,
          occured_at: now.getTime() / 1000,
        },
      });
    });
  };

  /** Sends a segment's transcript (`""` for one without speech) in turn, after the latency. */
  const answer = (audio: Buffer, heldSpeech: boolean, cause: SentTranscript['cause']): void => {
    const latencyMs = options.sttLatencyMs ?? 0;
    const audioSeconds = audio.byteLength / 2 / settings.sampleRate;
    outbox.run(async () => {
      if (!outbox.isOpen) return; // the client left: no answer, and no queued transcript spent
      // Taken in turn, so queued transcripts go to segments in order.
      const transcript = heldSpeech ? state.transcriptFor(audio, settings.sampleRate) : '';
      const detected = transcript === '' ? null : DETECTED_LANGUAGE;
      await sleep(latencyMs);
      const sent = outbox.sendNow({
        type: 'data',
        data: {
          request_id: state.requestId(),
          transcript,
          timestamps: null,
          diarized_transcript: null,
          language_code: settings.language === 'unknown' ? detected : settings.language,
          language_probability: null,
          metrics: { audio_duration: audioSeconds, processing_latency: latencyMs / 1000 },
        },
      });
      if (sent) log.transcriptsSent.push({ transcript, cause, audioSeconds });
    });
  };

  const onAudio = (audio: unknown): void => {
    if (
      failure &&
      'closeAtAudio' in failure &&
      receivedBytes / 2 / settings.sampleRate >= (failure.afterAudioMs ?? 0) / 1000
    ) {
      closing = true;
      outbox.close(failure.closeAtAudio, 'injected failure');
      return;
    }
    const decoded = decodeAudioMessage(audio);
    if (!decoded.ok) return outbox.send(sttSocketError(decoded.message));
    log.addAudio(decoded.value);
    receivedBytes += decoded.value.byteLength;
    for (const event of segmenter.push(decoded.value)) {
      if (event.kind === 'speech-start') vadEvent('START_SPEECH');
      else {
        vadEvent('END_SPEECH');
        answer(event.segment, true, 'end-of-speech');
      }
    }
  };

  const onFlush = (): void => {
    if (!settings.flushSignal) return;
    if (failure && 'close' in failure) {
      closing = true;
      outbox.close(failure.close, 'injected failure');
      return;
    }
    const segment = segmenter.flush();
    if (failure && ('error' in failure || 'stall' in failure)) {
      if ('error' in failure) outbox.send(sttSocketError(failure.error, 'internal_server_error'));
      failure = undefined;
      return;
    }
    if (!segment) return;
    if (segment.heldSpeech || silentFlush === 'empty') answer(segment.audio, segment.heldSpeech, 'flush');
  };

  ws.on('message', (raw: Buffer) => {
    if (closing) return;
    touch();
    let msg: unknown;
    try {
      msg = JSON.parse(raw.toString('utf8'));
    } catch {
      return outbox.send(sttSocketError('Invalid JSON message'));
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
      return outbox.send(sttSocketError('Expected a JSON object'));
    log.addMessage(msg);
    const { audio, type } = msg as { audio?: unknown; type?: unknown };
    if (audio !== undefined) onAudio(audio);
    else if (type === 'flush') onFlush();
    // config (prompt), end_of_stream and unknown types are ignored.
  });
}
