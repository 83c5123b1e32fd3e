import { encodeStereoWav, resample } from '@audexly/audio';
import {
  purgeCallAudio,
  readCallAudio,
  readCallEvents,
  type AudioMessage,
  type Bus,
  type openBucket,
  whileClusterSettles,
} from '@audexly/bus';
import { AudioHeader, ErrorCode, type AnyEvent, type CallError, type RecordingInfo } from '@audexly/protocol';
import type { CallPortHandler, FinishingCallPort } from '@audexly/stage';
import type { RecordingStore } from '@audexly/storage';
import { Counter, inChildSpan, type Registry } from '@audexly/telemetry';
import { buildCallRecord } from './call-record.js';
import { StereoTimeline, type Channel } from './stereo-timeline.js';

type KV = Awaited<ReturnType<typeof openBucket>>;

export interface CallRecorderOptions {
  bus: Bus;
  recordings: RecordingStore;
  /** The `calls` KV bucket. */
  calls: KV;
  /** Audio past this point of a call is dropped. */
  maxRecordingMs: number;
  /** How long to wait for `call.ended` to show up in the event log. */
  eventLogTimeoutMs: number;
  /** Records and recordings expire after this many days (the record says when). */
  retentionDays: number;
  metrics?: Registry;
}

/** Audio stamped further ahead of the wall clock than this is a bad header, not audio to keep. */
const MAX_LEAD_MS = 60_000;

/**
 * Reading the event log and storing the recording and the record are tried again for ~30 s while
 * JetStream is unavailable (a NATS cluster that lost a node elects new leaders meanwhile): a
 * record and a recording are worth the wait.
 */
const STORAGE_RETRY = { attempts: 15, delayMs: 2000 };

/** The object name of a call's recording. */
export function recordingKey(callId: string): string {
  return `${callId}.wav`;
}

/**
 * The recorder's work for one call. Durable by design: the recorder keeps nothing of the call in
 * memory while it runs. The call's audio is captured by the `CALL_AUDIO` JetStream stream as the
 * gateway publishes it (`audio.in`, and `audio.sent` = what was actually sent to Exotel), and its
 * events by the `CALL_EVENTS` log. Whichever recorder instance holds the call when `call.ended`
 * arrives — the one that claimed it at the start, or one that re-claimed it after the first died
 * (the gateway re-claims calls of instances whose heartbeats stopped) — assembles the recording
 * from the stream, whatever it saw live: so a restart mid-call loses nothing.
 *
 * At `call.ended`: read the event log (transcript, turns, interruptions), read the call's audio
 * from the stream (completely: see `readCallAudio`'s fence), place both sides on the timeline
 * (caller left, agent right; an interrupted turn's audio cut where the `clear` cut it), store the
 * stereo WAV, write the call record, and only then purge the call's audio from the stream. If
 * storing fails, the audio stays in the stream (until its max age) and the record says so.
 */
export function createCallRecorder(options: CallRecorderOptions): CallPortHandler<FinishingCallPort> {
  const records = options.metrics
    ? new Counter({
        name: 'audexly_recorder_records_total',
        help: 'Call records written, by outcome',
        labelNames: ['outcome'],
        registers: [options.metrics],
      })
    : undefined;
  return async (call) => {
    const ended = await call.ended;
    // Another recorder instance took the call over (failover): it writes the record, not us.
    if (call.superseded) return;
    const ownErrors: CallError[] = [];
    const fail = (message: string, err: unknown) => {
      call.error(ErrorCode.storage, message, { err, retryable: true });
      ownErrors.push({
        stage: 'recorder',
        code: ErrorCode.storage,
        message,
        turn: null,
        timelineMs: call.timelineMs(),
      });
    };

    let events: AnyEvent[] = [];
    try {
      events = await whileClusterSettles(
        () =>
          readCallEvents(options.bus, call.callId, {
            since: call.call.startedAt,
            until: 'call.ended',
            timeoutMs: ended ? options.eventLogTimeoutMs : 0,
          }),
        STORAGE_RETRY,
      );
    } catch (err) {
      fail('could not read the call events', err);
    }
    let recording: RecordingInfo | null = null;
    let stored = false;
    try {
      // Beneath the call span (the work runs in the call's trace context), after the call ended.
      recording = await inChildSpan('recording.assemble', { 'audexly.call_id': call.callId }, async () => {
        const timeline = await whileClusterSettles(() => assemble(call, options, cutsOf(events)), STORAGE_RETRY);
        return timeline.frames > 0
          ? await whileClusterSettles(() => store(call, timeline, options.recordings), STORAGE_RETRY)
          : null;
      });
      stored = true;
    } catch (err) {
      fail('could not store the recording', err);
    }
    const record = buildCallRecord({
      call: call.call,
      ended,
      events,
      recording,
      ownErrors,
      expiresAt: new Date(Date.now() + options.retentionDays * 86_400_000),
    });
    try {
      await whileClusterSettles(() => options.calls.put(call.callId, JSON.stringify(record)), STORAGE_RETRY);
      records?.inc({ outcome: 'stored' });
      call.log.info(
        { turns: record.turns.length, recordingBytes: recording?.bytes ?? 0, status: record.status },
        'call record stored',
      );
    } catch (err) {
      records?.inc({ outcome: 'failed' });
      fail('could not store the call record', err);
    }
    // A call given up without call.ended may be re-claimed and go on: keep its audio then.
    if (stored && ended) {
      await purgeCallAudio(options.bus, call.callId).catch((err: unknown) =>
        call.log.warn({ err }, 'could not purge the captured audio; it expires with the stream'),
      );
    }
  };
}

/**
 * Where each interrupted agent turn stops: the timeline position of its `playback.interrupted`,
 * i.e. when the gateway sent `clear`. Audio of that turn placed at or after it was sent ahead
 * (the pacer's lead) but cleared by Exotel before it played, so the caller never heard it.
 */
function cutsOf(events: readonly AnyEvent[]): Map<number, number> {
  const cuts = new Map<number, number>();
  for (const e of events) {
    if (e.type === 'playback.interrupted') cuts.set(e.turn, Math.min(cuts.get(e.turn) ?? Infinity, e.timelineMs));
  }
  return cuts;
}

async function assemble(
  call: FinishingCallPort,
  options: CallRecorderOptions,
  cuts: Map<number, number>,
): Promise<StereoTimeline> {
  const timeline = new StereoTimeline(call.call.sampleRate, options.maxRecordingMs);
  const audio = await readCallAudio(options.bus, call.callId);
  if (!audio.complete)
    call.log.warn('the captured audio was read only in part; the recording may miss the end of the call');
  await place(call, audio.caller, timeline, 'caller', cuts);
  await place(call, audio.agent, timeline, 'agent', cuts);
  return timeline;
}

async function place(
  call: FinishingCallPort,
  messages: readonly AudioMessage[],
  timeline: StereoTimeline,
  channel: Channel,
  cuts: Map<number, number>,
): Promise<void> {
  const warned = new Set<string>();
  const warnOnce = (problem: string, details: Record<string, unknown>) => {
    if (warned.has(problem)) return;
    warned.add(problem);
    call.log.warn({ channel, ...details }, problem);
  };
  for (const msg of messages) {
    const timelineMs = msg.num(AudioHeader.timelineMs, Number.NaN);
    if (!Number.isFinite(timelineMs) || timelineMs > call.timelineMs() + MAX_LEAD_MS) {
      warnOnce('dropped audio without a usable timeline header', { header: msg.header(AudioHeader.timelineMs) });
      continue;
    }
    const cutMs = channel === 'agent' ? cuts.get(msg.num(AudioHeader.turn, -1)) : undefined;
    if (cutMs !== undefined && timelineMs >= cutMs) continue;
    let pcm: Uint8Array = msg.data;
    const rate = msg.num(AudioHeader.sampleRate, timeline.sampleRate);
    if (rate !== timeline.sampleRate) {
      warnOnce('audio at another sample rate than the call; resampling', { rate, callRate: timeline.sampleRate });
      pcm = await resample(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), rate, timeline.sampleRate);
    }
    if (timeline.place(channel, timelineMs, pcm, cutMs) > 0)
      warnOnce('audio outside the recordable part of the call was dropped', { timelineMs });
  }
}

async function store(
  call: FinishingCallPort,
  timeline: StereoTimeline,
  recordings: RecordingStore,
): Promise<RecordingInfo> {
  const { left, right } = timeline.channels();
  const wav = encodeStereoWav(left, right, timeline.sampleRate);
  const stored = await recordings.put(recordingKey(call.callId), wav, {
    contentType: 'audio/wav',
    callId: call.callId,
  });
  return { ...stored, durationMs: timeline.durationMs, sampleRate: call.call.sampleRate, channels: 2 };
}
