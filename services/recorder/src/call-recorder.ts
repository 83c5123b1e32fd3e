import { encodeStereoWav, resample } from '@audexly/audio';
import { readCallEvents, type AudioMessage, type Bus, type openBucket } from '@audexly/bus';
import { AudioHeader, ErrorCode, subjects, type AnyEvent, type CallError, type RecordingInfo } from '@audexly/protocol';
import type { CallHandler, StageCall } from '@audexly/stage';
import { Counter, type Registry } from '@audexly/telemetry';
import { buildCallRecord } from './call-record.js';
import type { RecordingStore } from './recording-store.js';
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
  metrics?: Registry;
}

/** Audio stamped further ahead of the wall clock than this is a bad header, not audio to keep. */
const MAX_LEAD_MS = 60_000;

/** The object name of a call's recording. */
export function recordingKey(callId: string): string {
  return `${callId}.wav`;
}

/**
 * The recorder's work for one call: place both sides of the call on its timeline while it runs,
 * and when it has ended store a stereo WAV (caller left, agent right) and the call record.
 */
export function createCallRecorder(options: CallRecorderOptions): CallHandler {
  const records = options.metrics
    ? new Counter({ name: 'audexly_recorder_records_total', help: 'Call records written, by outcome', labelNames: ['outcome'], registers: [options.metrics] })
    : undefined;
  return async (call) => {
    const timeline = new StereoTimeline(call.call.sampleRate, options.maxRecordingMs);
    // Subscribe before the first await: the claim is answered right after this returns.
    const captured = Promise.all([
      capture(call, call.audio(subjects.audioIn(call.callId)), timeline, 'caller'),
      capture(call, call.audio(subjects.audioSent(call.callId)), timeline, 'agent'),
    ]);
    const ended = await call.ended;
    await captured; // the subscriptions drain after call.ended: all audio sent before it is in
    const ownErrors: CallError[] = [];
    const fail = (message: string, err: unknown) => {
      call.error(ErrorCode.storage, message, { err, retryable: true });
      ownErrors.push({ stage: 'recorder', code: ErrorCode.storage, message, turn: null, timelineMs: call.timelineMs() });
    };

    const recording = await storeRecording(call, timeline, options.recordings).catch((err: unknown) => {
      fail('could not store the recording', err);
      return null;
    });
    let events: AnyEvent[] = [];
    try {
      events = await readCallEvents(options.bus, call.callId, { until: 'call.ended', timeoutMs: options.eventLogTimeoutMs });
    } catch (err) {
      fail('could not read the call events', err);
    }
    const record = buildCallRecord({ call: call.call, ended, events, recording, ownErrors });
    try {
      await options.calls.put(call.callId, JSON.stringify(record));
      records?.inc({ outcome: 'stored' });
      call.log.info({ turns: record.turns.length, recordingBytes: recording?.bytes ?? 0, status: record.status }, 'call record stored');
    } catch (err) {
      records?.inc({ outcome: 'failed' });
      fail('could not store the call record', err);
    }
  };
}

async function capture(call: StageCall, audio: AsyncIterable<AudioMessage>, timeline: StereoTimeline, channel: Channel): Promise<void> {
  const warned = new Set<string>();
  const warnOnce = (problem: string, details: Record<string, unknown>) => {
    if (warned.has(problem)) return;
    warned.add(problem);
    call.log.warn({ channel, ...details }, problem);
  };
  for await (const msg of audio) {
    const timelineMs = msg.num(AudioHeader.timelineMs, Number.NaN);
    if (!Number.isFinite(timelineMs) || timelineMs > call.timelineMs() + MAX_LEAD_MS) {
      warnOnce('dropped audio without a usable timeline header', { header: msg.header(AudioHeader.timelineMs) });
      continue;
    }
    let pcm: Uint8Array = msg.data;
    const rate = msg.num(AudioHeader.sampleRate, timeline.sampleRate);
    if (rate !== timeline.sampleRate) {
      warnOnce('audio at another sample rate than the call; resampling', { rate, callRate: timeline.sampleRate });
      pcm = await resample(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), rate, timeline.sampleRate);
    }
    if (timeline.place(channel, timelineMs, pcm) > 0) warnOnce('audio outside the recordable part of the call was dropped', { timelineMs });
  }
}

async function storeRecording(call: StageCall, timeline: StereoTimeline, store: RecordingStore): Promise<RecordingInfo | null> {
  if (timeline.frames === 0) return null;
  const { left, right } = timeline.channels();
  const wav = encodeStereoWav(left, right, timeline.sampleRate);
  const stored = await store.put(recordingKey(call.callId), wav, { 'content-type': 'audio/wav', 'call-id': call.callId });
  return { ...stored, durationMs: timeline.durationMs, sampleRate: call.call.sampleRate, channels: 2 };
}
