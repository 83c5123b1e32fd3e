/**
 * `/speech-to-text-realtime/ws`, Sarvam's newer realtime STT (reference A2b, beta): JSON events
 * both ways, `session.begin` on open, VAD events, and — the reason it exists — `transcript.partial`
 * while an utterance is still being spoken, then one `transcript.final` per utterance. The SDK's
 * doc comments (`sarvamai` 1.1.10 `Realtime*` types) are the best word on the real service, and the
 * fake follows them.
 *
 * With `endpointing=vad` (default) segmentation is the server's, as on the legacy socket
 * (`stt-ws.ts`): the fake runs its own VAD in audio time (`energy-vad.ts`, `stt-segmenter.ts`).
 * - At speech onset it sends `vad.speech_start`; when `silence_duration_ms` of the query (else
 *   `sttEndOfSpeechMs`, default 600 ms) of silence ends the speech, `vad.speech_end` and then that
 *   segment's `transcript.final`, unasked, after `sttLatencyMs`. A caller who pauses that long gets
 *   several utterances for what they meant as one.
 * - `flush`, `speech_start` and `speech_end` are "endpointing=manual only" (SDK): each gets a
 *   non-fatal `invalid_request` error and changes nothing.
 * With `endpointing=manual` the client delimits utterances; the fake sends no VAD events and never
 * ends a segment itself (its VAD only says whether a segment held speech). A segment is every byte
 * received since the last boundary (the socket's start, or the previous final), audio sent before
 * `speech_start` included (the fake's choice: Sarvam does not say).
 * - `speech_start` opens an utterance: partials flow until `speech_end`. A second one while an
 *   utterance is open gets a non-fatal error.
 * - `speech_end` ("The server finalizes the transcript") closes it and is always answered: exactly
 *   one `transcript.final` after `sttLatencyMs`, text `''` when the segment held no speech or no
 *   audio came at all. Without an open utterance it gets a non-fatal error and nothing else.
 * - `flush` ("runs finalization on whatever audio has been buffered so far") finalises the segment,
 *   in or out of an utterance: one `transcript.final` (`''` without speech), nothing when no audio
 *   came since the last boundary. An open utterance stays open: its later audio is the next
 *   utterance's.
 * Every final moves `utterance_idx` on; a `''` final takes no queued transcript.
 *
 * Partials (the fake's choices: Sarvam documents neither cadence nor latency). While a segment is
 * open and has held speech (manual: and an utterance is open), every `sttPartialIntervalMs` of audio
 * received on the socket (default 100 ms; audio time, so the same however the client chunks or
 * paces its audio), the fake asks `state.partialFor` for the text of the segment so far and, when it
 * is non-empty and differs from that utterance's last partial, sends `transcript.partial` after
 * `sttPartialLatencyMs` (default `sttLatencyMs`). `partialFor` never takes a queued transcript, so
 * only a transcript function gives partials; `stream_type=simulated` gives none.
 *
 * Latency without pile-up: each message is due at max(produced + its latency, the previous
 * message's due time) (`SocketOutbox.runAfter`), so everything leaves in order, a partial is never
 * sent after its utterance's final, and a final leaves about `sttLatencyMs` after the audio that
 * ended it — even with partials every 100 ms and a latency longer than that.
 *
 * Messages match the `Realtime*` types. `utterance_idx` counts from 0 per socket and moves on at
 * each final. Finals of segments that held speech take the next transcript (`state.transcriptFor`).
 * Per the SDK's doc comments, `language` (and on finals `language_confidence`, always 1 here) is
 * present only with `language_code=auto` (the fake "detects" `en-IN`), and `start_s`/`end_s` (the
 * segment's bounds in seconds of audio received on the socket: a segment starts at the previous
 * boundary, silence included) only with `return_timestamps=true`. VAD `confidence` is always 1.
 * `config.update` is validated (`invalid_config`, non-fatal) and answered `config.updated` with
 * `applied: []`: the fake applies nothing, and `mode`, `prompt`, `threshold`,
 * `prefix_padding_ms`, `min_speech_duration_ms` and fast/balanced change nothing either.
 * `end` finalises a pending segment that held speech, sends `session.end` and closes with 1000; a
 * socket that receives nothing for `sttIdleTimeoutMs` gets `session.end` and a close with 1008 (the
 * SDK: session.end is sent "when the session closes (client end, inactivity timeout, …)"). Bad
 * messages get a non-fatal `{"event":"error","code":"invalid_request",…}` and the socket lives.
 *
 * Refusals (SDK `RealtimeError`: close codes, and `status_code` "on fatal rejections"): the upgrade
 * always succeeds; a bad query (`validate-stt-realtime.ts`), a wrong or missing key, or a scripted
 * `status` failure gets one fatal `error` (`is_fatal: true`, `status_code` the HTTP-equivalent
 * status) and a close whose reason is the message capped at 123 bytes — no `session.begin` and no
 * `session.end` ({@link refuseSttRealtimeSocket}). Scripted `close`, `error` and `stall` failures
 * take the socket's first finalisation: a `flush` or `speech_end` under manual, the VAD's end of
 * speech under vad (after its `vad.speech_end`).
 */
import { performance } from 'node:perf_hooks';
import { bytesForMs } from '@audexly/audio';
import type { WebSocket } from 'ws';
import { AudioTicks } from './audio-ticks.js';
import { closeReason, realtimeSocketError } from './errors.js';
import { closeWhenIdle } from './idle-timer.js';
import { configUpdateProblem } from './realtime-config-update.js';
import { decodeRealtimeAudio } from './realtime-audio-input.js';
import { SocketOutbox } from './socket-outbox.js';
import type { FakeSarvamState, RequestLogEntry } from './state.js';
import { SttSegmenter } from './stt-segmenter.js';
import type { SarvamFailure, SentTranscript } from './types.js';
import { fakeSarvamDefaults } from './types.js';
import type { SttRealtimeSettings } from './validate-stt-realtime.js';
import { REALTIME_AUTO_LANGUAGE } from './validate-stt-realtime.js';

/** The language the fake "detects" when asked for `auto`, and how sure it is. */
const DETECTED_LANGUAGE = 'en-IN';
const DETECTED_CONFIDENCE = 1;
/** The `confidence` of every `vad.speech_start` (the energy VAD has no probability to give). */
const VAD_CONFIDENCE = 1;

export function serveSttRealtimeSocket(
  state: FakeSarvamState,
  ws: WebSocket,
  settings: SttRealtimeSettings,
  log: RequestLogEntry,
  scripted: SarvamFailure | undefined,
): void {
  const { options } = state;
  const rate = settings.sampleRate;
  const manual = settings.endpointing === 'manual';
  const outbox = new SocketOutbox(ws, log);
  // Under manual endpointing the VAD only says whether a segment held speech; it never ends one.
  const segmenter = new SttSegmenter(
    rate,
    manual ? Infinity : (settings.silenceDurationMs ?? options.sttEndOfSpeechMs ?? fakeSarvamDefaults.sttEndOfSpeechMs),
  );
  const ticks = new AudioTicks(
    bytesForMs(options.sttPartialIntervalMs ?? fakeSarvamDefaults.sttPartialIntervalMs, rate),
  );
  const finalLatencyMs = options.sttLatencyMs ?? 0;
  const partialLatencyMs = options.sttPartialLatencyMs ?? finalLatencyMs;
  const detected = settings.language === REALTIME_AUTO_LANGUAGE ? { language: DETECTED_LANGUAGE } : {};
  const requestId = state.requestId();
  const openedAt = performance.now();
  let failure = scripted;
  let closing = false;
  let receivedBytes = 0;
  /** Where the open segment starts, in bytes of audio received on this socket. */
  let segmentStart = 0;
  /** The open utterance's index: finals sent so far. */
  let utterance = 0;
  let lastPartial = '';
  /** Manual endpointing: between the client's `speech_start` and `speech_end`. */
  let utteranceOpen = false;

  const send = (message: unknown, latencyMs = 0): void =>
    outbox.runAfter(latencyMs, () => {
      outbox.sendNow(message);
    });
  const refuse = (message: string): void => send(realtimeSocketError('invalid_request', message));
  const sessionEnd = (): unknown => ({
    event: 'session.end',
    request_id: requestId,
    total_duration_s: (performance.now() - openedAt) / 1000,
    total_utterances: utterance,
    audio_duration_s: receivedBytes / 2 / rate,
  });
  /** After everything queued: `session.end`, then the close. */
  const endSession = (code: number, reason: string): void => {
    closing = true;
    outbox.runAfter(0, () => {
      outbox.sendNow(sessionEnd());
      if (outbox.isOpen) ws.close(code, reason);
    });
  };
  const touch = closeWhenIdle(ws, options.sttIdleTimeoutMs ?? fakeSarvamDefaults.sttIdleTimeoutMs, () => {
    if (!closing) outbox.sendNow(sessionEnd());
    closing = true;
  });

  /**
   * Ends the open segment at its `audio` and sends its `transcript.final` after the latency: the
   * next transcript when it held speech, else `''` (taking none).
   */
  const finalise = (audio: Buffer, heldSpeech: boolean, cause: SentTranscript['cause']): void => {
    const startS = segmentStart / 2 / rate;
    segmentStart += audio.byteLength;
    const endS = segmentStart / 2 / rate;
    const index = utterance++;
    lastPartial = '';
    const timestamps = settings.returnTimestamps ? { start_s: startS, end_s: endS } : {};
    const language = settings.language === REALTIME_AUTO_LANGUAGE ? { language_confidence: DETECTED_CONFIDENCE } : {};
    outbox.runAfter(finalLatencyMs, () => {
      if (!outbox.isOpen) return; // the client left: no final, and no queued transcript spent
      // Taken in turn, so queued transcripts go to utterances in order.
      const text = heldSpeech ? state.transcriptFor(audio, rate) : '';
      const sent = outbox.sendNow({
        event: 'transcript.final',
        utterance_idx: index,
        text,
        ...detected,
        ...language,
        ...timestamps,
      });
      if (sent) log.transcriptsSent.push({ transcript: text, cause, audioSeconds: endS - startS });
    });
  };

  /**
   * At a finalisation (manual: `flush`, `speech_end`; vad: the VAD's end of speech), after the
   * segment's audio was taken from the segmenter: a scripted failure takes it over. True when one did.
   */
  const failedAt = (audio: Buffer | undefined): boolean => {
    if (!failure || !('close' in failure || 'error' in failure || 'stall' in failure)) return false;
    if ('close' in failure) {
      closing = true;
      outbox.close(failure.close, 'injected failure');
    } else if ('error' in failure) {
      send(realtimeSocketError('internal_server_error', failure.error, { statusCode: 500 }));
      endSession(1011, 'injected failure');
    } else {
      failure = undefined; // this segment is dropped unanswered; later ones are answered
      if (audio) segmentStart += audio.byteLength;
      lastPartial = '';
    }
    return true;
  };

  /** At a tick: the open utterance's text so far, when it changed. */
  const partial = (): void => {
    if (settings.streamType === 'simulated' || !segmenter.holdsSpeech || (manual && !utteranceOpen)) return;
    const text = state.partialFor(segmenter.pending(), rate);
    if (text === '' || text === lastPartial) return;
    lastPartial = text;
    send({ event: 'transcript.partial', utterance_idx: utterance, text, ...detected }, partialLatencyMs);
  };

  const onAudio = (audio: unknown): void => {
    if (failure && 'closeAtAudio' in failure && receivedBytes / 2 / rate >= (failure.afterAudioMs ?? 0) / 1000) {
      closing = true;
      outbox.close(failure.closeAtAudio, 'injected failure');
      return;
    }
    const decoded = decodeRealtimeAudio(audio);
    if (!decoded.ok) return refuse(decoded.message);
    log.addAudio(decoded.value);
    for (const piece of ticks.split(decoded.value)) {
      receivedBytes += piece.pcm.byteLength;
      for (const event of segmenter.push(piece.pcm)) {
        if (manual) continue;
        if (event.kind === 'speech-start') {
          send({ event: 'vad.speech_start', utterance_idx: utterance, confidence: VAD_CONFIDENCE });
        } else {
          send({ event: 'vad.speech_end', utterance_idx: utterance });
          if (!failedAt(event.segment)) finalise(event.segment, true, 'end-of-speech');
          else if (closing) return;
        }
      }
      if (piece.tick) partial();
    }
  };

  /** Manual only. `flush`: finalises what was buffered, if anything. */
  const onFlush = (): void => {
    const segment = segmenter.flush() ?? undefined;
    if (failedAt(segment?.audio)) return;
    if (segment) finalise(segment.audio, segment.heldSpeech, 'flush');
  };

  /** Manual only. `speech_start`: opens an utterance. */
  const onSpeechStart = (): void => {
    if (utteranceOpen) return refuse('speech_start while an utterance is open; send speech_end first');
    utteranceOpen = true;
  };

  /** Manual only. `speech_end`: closes the open utterance, always answered with one final. */
  const onSpeechEnd = (): void => {
    if (!utteranceOpen) return refuse('speech_end without an open utterance; send speech_start first');
    utteranceOpen = false;
    const segment = segmenter.flush() ?? undefined;
    if (failedAt(segment?.audio)) return;
    finalise(segment?.audio ?? Buffer.alloc(0), segment?.heldSpeech ?? false, 'flush');
  };

  const onEnd = (): void => {
    const segment = segmenter.flush();
    if (segment?.heldSpeech) finalise(segment.audio, true, 'flush');
    endSession(1000, 'session ended');
  };

  const onConfigUpdate = (update: Record<string, unknown>): void => {
    const problem = configUpdateProblem(update, settings);
    if (problem) send(realtimeSocketError('invalid_config', problem));
    else send({ event: 'config.updated', applied: [] });
  };

  send({ event: 'session.begin', request_id: requestId, config: sessionConfig(settings) });

  ws.on('message', (raw: Buffer) => {
    if (closing) return;
    touch();
    let msg: unknown;
    try {
      msg = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse('Invalid JSON message');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return refuse('Expected a JSON object');
    log.addMessage(msg);
    const message = msg as Record<string, unknown>;
    switch (message.event) {
      case 'audio_input':
        return onAudio(message.audio);
      case 'flush':
      case 'speech_start':
      case 'speech_end':
        if (!manual) return refuse(`${message.event} is only accepted with endpointing=manual`);
        if (message.event === 'flush') return onFlush();
        return message.event === 'speech_start' ? onSpeechStart() : onSpeechEnd();
      case 'config.update':
        return onConfigUpdate(message);
      case 'ping':
        return send({ event: 'pong' });
      case 'end':
        return onEnd();
      default:
        return refuse(`Unknown event ${JSON.stringify(message.event)}`);
    }
  });
}

/**
 * Refuses a connection the way the realtime socket does (SDK `RealtimeError`): on the open socket,
 * one fatal `error` carrying `status` as `status_code`, then a close — 1003 for a bad key or a rate
 * limit ("Rate limit exceeded, quota exhausted, or invalid subscription key"), 1011 for a server
 * error, 4000 ("Application rejection") for anything else — whose reason is `message` capped at
 * 123 bytes. The error `code`s are the fake's: Sarvam documents none for these.
 */
export function refuseSttRealtimeSocket(ws: WebSocket, log: RequestLogEntry, status: number, message: string): void {
  const key = status === 401 || status === 403;
  const code = key
    ? 'unauthorized'
    : status === 429
      ? 'rate_limit_exceeded'
      : status >= 500
        ? 'internal_server_error'
        : 'invalid_request';
  const closeCode = key || status === 429 ? 1003 : status >= 500 ? 1011 : 4000;
  new SocketOutbox(ws, log).sendNow(realtimeSocketError(code, message, { statusCode: status }));
  ws.close(closeCode, closeReason(message));
}

/** `session.begin`'s `config`: the resolved settings, endpointing echoed as `turn_detection`; VAD knobs only when asked. */
function sessionConfig(s: SttRealtimeSettings): Record<string, unknown> {
  return {
    model: s.model,
    language_code: s.language,
    encoding: s.encoding,
    sample_rate: s.sampleRate,
    stream_type: s.streamType,
    mode: s.mode,
    turn_detection: s.endpointing,
    return_timestamps: s.returnTimestamps,
    ...(s.prompt !== undefined ? { prompt: s.prompt } : {}),
    ...(s.threshold !== undefined ? { threshold: s.threshold } : {}),
    ...(s.prefixPaddingMs !== undefined ? { prefix_padding_ms: s.prefixPaddingMs } : {}),
    ...(s.silenceDurationMs !== undefined ? { silence_duration_ms: s.silenceDurationMs } : {}),
    ...(s.minSpeechDurationMs !== undefined ? { min_speech_duration_ms: s.minSpeechDurationMs } : {}),
  };
}
