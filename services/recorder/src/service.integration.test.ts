import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '@audexly/audio';
import {
  BUCKETS,
  callsWithCapturedAudio,
  claimStage,
  connectBus,
  openBucket,
  openRecordings,
  type Bus,
} from '@audexly/bus';
import {
  AudioHeader,
  PROTOCOL_VERSION,
  agentConfigSchema,
  callRecordSchema,
  subjects,
  type CallDescriptor,
  type CallRecord,
} from '@audexly/protocol';
import type { RunningStage } from '@audexly/stage';
import { createLogger } from '@audexly/telemetry';
import { startRecorderService } from './service.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const RATE = 8000;
const claimSubject = `test.claim.${randomUUID()}`;

let bus: Bus;
let recorder: RunningStage;
beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'recorder-test',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
  recorder = await startRecorderService({ NATS_URL, METRICS_PORT: '0', LOG_LEVEL: 'silent' }, undefined, {
    claimSubject,
  });
});
afterAll(async () => {
  await recorder?.stop();
  await bus?.drain();
});

function descriptor(callId: string): CallDescriptor {
  return {
    callId,
    callSid: `sid-${callId}`,
    streamSid: 'stream-1',
    accountSid: 'acct',
    from: '+919800000001',
    to: '+918000000002',
    direction: 'inbound',
    sampleRate: RATE,
    customParameters: {},
    startedAt: Date.now(),
    agent: agentConfigSchema.parse({ id: 'agent-1', name: 'Reception', prompt: 'Be helpful.' }),
  };
}

/** A 100 ms chunk whose samples say which chunk they came from: base + position in the chunk. */
function chunk(base: number): Int16Array {
  return Int16Array.from({ length: RATE / 10 }, (_, i) => base + (i % 400));
}

async function waitForRecord(callId: string): Promise<CallRecord> {
  const kv = await openBucket(bus, BUCKETS.calls);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const entry = await kv.get(callId);
    if (entry?.value.length) return callRecordSchema.parse(entry.json());
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no call record appeared');
}

describe('recorder stage', () => {
  it('after call.ended stores a stereo WAV of both sides on the timeline and a call record with transcript and latencies', async () => {
    const callId = `t${randomUUID().replace(/-/g, '')}`;
    const claim = await claimStage(bus, 'recorder', descriptor(callId), { subject: claimSubject });
    expect(claim.ok).toBe(true);

    // Caller audio at 0, 100 and 300 ms (a 100 ms gap at 200 ms); agent audio at 1500 and 1600 ms.
    const callerChunks = [
      { ms: 0, pcm: chunk(1000) },
      { ms: 100, pcm: chunk(2000) },
      { ms: 300, pcm: chunk(3000) },
    ];
    const agentChunks = [
      { ms: 1500, pcm: chunk(-5000) },
      { ms: 1600, pcm: chunk(-6000) },
    ];
    callerChunks.forEach((c, seq) =>
      bus.publishAudio(subjects.audioIn(callId), new Uint8Array(c.pcm.buffer), {
        [AudioHeader.seq]: seq,
        [AudioHeader.timelineMs]: c.ms,
        [AudioHeader.sampleRate]: RATE,
      }),
    );
    agentChunks.forEach((c, seq) =>
      bus.publishAudio(subjects.audioSent(callId), new Uint8Array(c.pcm.buffer), {
        [AudioHeader.seq]: seq,
        [AudioHeader.turn]: 1,
        [AudioHeader.segment]: 0,
        [AudioHeader.timelineMs]: c.ms,
      }),
    );
    const base = { v: PROTOCOL_VERSION, callId } as const;
    bus.publishEvent('speech', {
      ...base,
      type: 'speech.final',
      timelineMs: 1200,
      utterance: 1,
      text: 'I need to book a table',
      language: 'en-IN',
      speechStartMs: 0,
      speechEndMs: 400,
      providerMs: 700,
      audioSeconds: 0.4,
    });
    bus.publishEvent('reply', {
      ...base,
      type: 'reply.segment',
      timelineMs: 1350,
      turn: 1,
      segment: 0,
      text: 'Sure, for how many?',
    });
    bus.publishEvent('reply', {
      ...base,
      type: 'reply.done',
      timelineMs: 1420,
      turn: 1,
      segments: 1,
      text: 'Sure, for how many?',
      usage: { promptTokens: 120, completionTokens: 6 },
    });
    bus.publishEvent('playback', {
      ...base,
      type: 'playback.started',
      timelineMs: 1500,
      turn: 1,
      firstAudioInMs: 1450,
    });
    bus.publishEvent('lifecycle', {
      ...base,
      type: 'call.ended',
      timelineMs: 2000,
      reason: 'caller-hangup',
      detail: 'callended',
      durationMs: 2000,
    });

    const record = await waitForRecord(callId);
    const objects = await openRecordings(bus);
    const wavBytes = await objects.getBlob(`${callId}.wav`);
    try {
      // The recording: stereo, 1700 ms (the end of the last agent chunk), each side at its offsets.
      expect(wavBytes).not.toBeNull();
      const wav = parseWav(Buffer.from(wavBytes!));
      expect(wav.channels).toBe(2);
      expect(wav.sampleRate).toBe(RATE);
      const frames = wav.pcm.byteLength / 4;
      expect(frames).toBe((1700 * RATE) / 1000);
      const left = new Int16Array(frames);
      const right = new Int16Array(frames);
      for (const c of callerChunks) left.set(c.pcm, (c.ms * RATE) / 1000);
      for (const c of agentChunks) right.set(c.pcm, (c.ms * RATE) / 1000);
      const interleaved = new Int16Array(frames * 2);
      for (let i = 0; i < frames; i++) {
        interleaved[2 * i] = left[i]!;
        interleaved[2 * i + 1] = right[i]!;
      }
      expect(Buffer.from(wav.pcm).equals(Buffer.from(interleaved.buffer))).toBe(true);

      // The record.
      expect(record).toMatchObject({
        callId,
        callSid: `sid-${callId}`,
        agent: { id: 'agent-1', name: 'Reception' },
        sampleRate: RATE,
        durationMs: 2000,
        endReason: 'caller-hangup',
        endDetail: 'callended',
        hungUpBy: 'caller',
        language: 'en-IN',
        lostFrames: null,
        status: 'completed',
        recording: {
          store: 'nats-object-store',
          key: `${callId}.wav`,
          bytes: wavBytes!.length,
          durationMs: 1700,
          sampleRate: RATE,
          channels: 2,
        },
        usage: {
          sttSeconds: 0.4,
          llmPromptTokens: 120,
          llmCompletionTokens: 6,
          ttsCharacters: 'Sure, for how many?'.length,
        },
        errors: [],
      });
      expect(Date.parse(record.endedAt) - Date.parse(record.startedAt)).toBe(2000);
      // Expires RETENTION_DAYS (90 by default) after it was written.
      expect(Math.abs(Date.parse(record.expiresAt!) - (Date.now() + 90 * 86_400_000))).toBeLessThan(60_000);
      // Once stored, the call's audio is gone from the capture stream.
      expect(await callsWithCapturedAudio(bus)).not.toContain(callId);
      expect(record.transcript).toEqual([
        { role: 'caller', text: 'I need to book a table', timelineMs: 0, turn: 1, interrupted: false },
        { role: 'agent', text: 'Sure, for how many?', timelineMs: 1500, turn: 1, interrupted: false },
      ]);
      expect(record.turns).toEqual([
        {
          turn: 1,
          callerText: 'I need to book a table',
          speechStartMs: 0,
          language: 'en-IN',
          agentText: 'Sure, for how many?',
          speechEndMs: 400,
          transcriptMs: 1200,
          firstReplyMs: 1350,
          firstAudioInMs: 1450,
          firstAudioSentMs: 1500,
          interrupted: false,
          latency: { sttMs: 800, llmMs: 150, ttsMs: 100, voiceToVoiceMs: 1100 },
        },
      ]);
    } finally {
      await objects.delete(`${callId}.wav`);
      await (await openBucket(bus, BUCKETS.calls)).delete(callId);
    }
  });

  it('cuts the agent channel where the clear cut an interrupted turn: no later audio of that turn, the next turn intact', async () => {
    const callId = `t${randomUUID().replace(/-/g, '')}`;
    expect((await claimStage(bus, 'recorder', descriptor(callId), { subject: claimSubject })).ok).toBe(true);
    const sent = (turn: number, ms: number, pcm: Int16Array, seq: number) =>
      bus.publishAudio(subjects.audioSent(callId), new Uint8Array(pcm.buffer), {
        [AudioHeader.seq]: seq,
        [AudioHeader.turn]: turn,
        [AudioHeader.segment]: 0,
        [AudioHeader.timelineMs]: ms,
      });
    // Turn 1 was sent ahead of playback from 1000 to 2000 ms; the caller barged in at 1450 ms (clear).
    for (let n = 0; n < 10; n++) sent(1, 1000 + n * 100, chunk(-1000 * (n + 1)), n);
    bus.publishAudio(subjects.audioIn(callId), new Uint8Array(chunk(700).buffer), {
      [AudioHeader.seq]: 0,
      [AudioHeader.timelineMs]: 1400,
    });
    const base = { v: PROTOCOL_VERSION, callId } as const;
    bus.publishEvent('playback', {
      ...base,
      type: 'playback.interrupted',
      timelineMs: 1450,
      turn: 1,
      heardSegments: [],
    });
    sent(2, 2500, chunk(9000), 10);
    bus.publishEvent('lifecycle', {
      ...base,
      type: 'call.ended',
      timelineMs: 2700,
      reason: 'agent-hangup',
      durationMs: 2700,
    });

    const record = await waitForRecord(callId);
    const objects = await openRecordings(bus);
    try {
      expect(record.hungUpBy).toBe('agent');
      const wav = parseWav(Buffer.from((await objects.getBlob(`${callId}.wav`))!));
      const frames = wav.pcm.byteLength / 4;
      const right = Int16Array.from({ length: frames }, (_, i) => wav.pcm.readInt16LE(4 * i + 2));
      const left = Int16Array.from({ length: frames }, (_, i) => wav.pcm.readInt16LE(4 * i));
      const at = (ms: number) => (ms * RATE) / 1000;
      expect(frames).toBe(at(2600));
      // Turn 1 up to the clear, as sent.
      expect(Array.from(right.subarray(at(1000), at(1100)))).toEqual(Array.from(chunk(-1000)));
      expect(Array.from(right.subarray(at(1400), at(1450)))).toEqual(Array.from(chunk(-5000).subarray(0, at(50))));
      // Nothing of turn 1 from the clear on: silence until turn 2.
      expect(right.subarray(at(1450), at(2500)).every((v) => v === 0)).toBe(true);
      expect(Array.from(right.subarray(at(2500), at(2600)))).toEqual(Array.from(chunk(9000)));
      // The caller's side is not cut.
      expect(Array.from(left.subarray(at(1400), at(1500)))).toEqual(Array.from(chunk(700)));
    } finally {
      await objects.delete(`${callId}.wav`);
      await (await openBucket(bus, BUCKETS.calls)).delete(callId);
    }
  });
});
