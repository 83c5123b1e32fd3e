/**
 * Where a turn's time goes, from a finished call's event log: voice-to-voice (end of caller speech →
 * first audio sent to Exotel) split into the end-of-turn silence, the time measured inside each
 * provider, and the system's own overhead between them.
 */
import type { AudioArrival } from './audio-arrivals.js';
import { findEvent, numberField, type CallData } from './call-events.js';

export interface TurnBreakdown {
  callId: string;
  turn: number;
  voiceToVoiceMs: number;
  /** The agent's `turn.endOfTurnSilenceMs`. */
  silenceMs: number;
  sttProviderMs: number;
  llmProviderMs: number;
  ttsProviderMs: number;
  /** voice-to-voice − silence − the three provider times. */
  overheadMs: number;
  /**
   * Waiting for the caller audio that completes the silence: Exotel sends 100 ms frames and the VAD
   * decides per window, so the decision needs the frame holding the window that ends the silence.
   */
  inputFramingMs: number;
  /** Frame holding the end of the silence on the timeline → `speech.stopped` (audio.in hop, VAD). */
  endDetectMs: number;
  /** Of endDetectMs: that frame's end on the timeline → its audio.in seen on the bus (simulator tick, WebSocket, gateway); null when not watched. */
  frameDeliveryMs: number | null;
  /** `speech.stopped` → `speech.final` minus STT provider time (flush, provider socket, publish). */
  sttMs: number;
  /** `speech.final` → first `reply.segment` minus time to first token (NATS hop, request, SSE, sentence split). */
  llmMs: number;
  /** First `reply.segment` → first TTS audio at the gateway minus TTS provider time (two NATS hops, TTS work). */
  ttsMs: number;
  /** First TTS audio at the gateway → first `media` sent to Exotel (re-chunking, pacer). */
  pacerMs: number;
}

export interface BreakdownOptions {
  /** Caller frame length the simulator used (Exotel: 100 ms). */
  frameMs: number;
  /** VAD window length at the call's rate (Silero: 32 ms). */
  vadWindowMs: number;
  /** The call's audio.in as the bench saw it on the bus (optional). */
  audioIn?: readonly AudioArrival[];
}

/** Every answered, uninterrupted caller turn (n ≥ 1) of a call with all its timestamps; others are skipped. */
export function turnBreakdowns(data: CallData, options: BreakdownOptions): { turns: TurnBreakdown[]; skipped: number } {
  const { events, record } = data;
  const started = findEvent(events, 'call.started');
  const agent = (started?.call as { agent?: { turn?: { endOfTurnSilenceMs?: number } } } | undefined)?.agent;
  const silenceMs = agent?.turn?.endOfTurnSilenceMs;
  const startedAt = (started?.call as { startedAt?: number } | undefined)?.startedAt;
  if (silenceMs === undefined) throw new Error(`call ${record.callId}: no call.started with the agent's turn config`);
  const turns: TurnBreakdown[] = [];
  let skipped = 0;
  for (const t of record.turns) {
    if (t.turn === 0) continue;
    const n = t.turn;
    const final = findEvent(events, 'speech.final', (e) => e.utterance === n);
    const stopped = findEvent(events, 'speech.stopped', (e) => e.utterance === n);
    const firstSegment = findEvent(events, 'reply.segment', (e) => e.turn === n);
    const done = findEvent(events, 'reply.done', (e) => e.turn === n);
    const playback = findEvent(events, 'playback.started', (e) => e.turn === n);
    const speechEnd = numberField(final, 'speechEndMs');
    const sttProvider = numberField(final, 'providerMs');
    const llmProvider = numberField(done, 'providerFirstTokenMs');
    const ttsProvider = numberField(playback, 'ttsProviderMs');
    const firstIn = numberField(playback, 'firstAudioInMs');
    if (
      t.interrupted ||
      !final ||
      !stopped ||
      !firstSegment ||
      !playback ||
      speechEnd === null ||
      sttProvider === null ||
      llmProvider === null ||
      ttsProvider === null ||
      firstIn === null
    ) {
      skipped++;
      continue;
    }
    const v2v = playback.timelineMs - speechEnd;
    const silenceEnd = speechEnd + silenceMs;
    const decidedAt = speechEnd + Math.ceil(silenceMs / options.vadWindowMs) * options.vadWindowMs;
    const frameEnd = Math.ceil(decidedAt / options.frameMs - 1e-9) * options.frameMs;
    const frame = options.audioIn?.find((a) => Math.abs(a.timelineMs - (frameEnd - options.frameMs)) < 0.5);
    turns.push({
      callId: record.callId,
      turn: n,
      voiceToVoiceMs: v2v,
      silenceMs,
      sttProviderMs: sttProvider,
      llmProviderMs: llmProvider,
      ttsProviderMs: ttsProvider,
      overheadMs: v2v - silenceMs - sttProvider - llmProvider - ttsProvider,
      inputFramingMs: frameEnd - silenceEnd,
      endDetectMs: stopped.timelineMs - frameEnd,
      frameDeliveryMs: frame && startedAt !== undefined ? frame.at - startedAt - frameEnd : null,
      sttMs: final.timelineMs - stopped.timelineMs - sttProvider,
      llmMs: firstSegment.timelineMs - final.timelineMs - llmProvider,
      ttsMs: firstIn - firstSegment.timelineMs - ttsProvider,
      pacerMs: playback.timelineMs - firstIn,
    });
  }
  return { turns, skipped };
}
