import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silence } from '@audexly/audio';
import { claimStage, connectBus, type Bus } from '@audexly/bus';
import {
  agentConfigSchema,
  AudioHeader,
  PROTOCOL_VERSION,
  subjects,
  type CallDescriptor,
  type SpeechEvent,
} from '@audexly/protocol';
import { FakeStt } from '@audexly/providers/testing';
import { createLogger } from '@audexly/telemetry';
import { loadSpeechFixture } from '@audexly/testing';
import { startSttService } from './service.js';

// The STT service over a real NATS: claims, audio.in and speech events on the call's subjects.
// What the stage does with the audio is tested in memory (call-handler.test.ts).
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = createLogger({ service: 'stt-test', level: 'silent' });
let bus: Bus;
beforeAll(async () => {
  bus = await connectBus({ servers: natsUrl, name: 'stt-test', log });
});
afterAll(async () => {
  await bus.drain();
});

describe('stt service on NATS', () => {
  it('takes a claimed call’s caller audio from audio.in and publishes its speech events', async () => {
    const claimSubject = `test.stt.claim.${randomUUID()}`;
    const running = await startSttService({ NATS_URL: natsUrl, METRICS_PORT: '0', LOG_LEVEL: 'silent' }, log, {
      provider: new FakeStt({ transcripts: ['go forward ten meters'] }),
      claimSubject,
    });
    const callId = `t${randomUUID().replace(/-/g, '')}`;
    const call: CallDescriptor = {
      callId,
      callSid: callId,
      streamSid: 's',
      accountSid: 'a',
      from: '',
      to: '',
      direction: 'inbound',
      sampleRate: 8000,
      customParameters: {},
      startedAt: Date.now(),
      agent: agentConfigSchema.parse({
        id: 'a',
        name: 'A',
        prompt: 'p',
        stt: { model: 'saarika:v2.5', language: 'hi-IN' },
        // The exact events of one utterance: without speculation's speech.tentative at the pause.
        turn: { speculate: false },
      }),
    };
    const speech = bus.subscribeEvents(callId, 'speech');
    try {
      await bus.flush();
      expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
      const { pcm } = await loadSpeechFixture('goforward', 8000);
      const audio = Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000)]);
      const chunk = 1600;
      for (let offset = 0, seq = 0; offset < audio.byteLength; offset += chunk, seq++) {
        bus.publishAudio(subjects.audioIn(callId), audio.subarray(offset, offset + chunk), {
          [AudioHeader.seq]: seq,
          [AudioHeader.timelineMs]: seq * 100,
          [AudioHeader.sampleRate]: 8000,
        });
      }
      const seen: SpeechEvent[] = [];
      for await (const { event } of speech) {
        seen.push(event);
        if (event.type === 'speech.final') break;
      }
      expect(seen.map((e) => `${e.type}:${e.utterance}`)).toEqual([
        'speech.started:1',
        'speech.stopped:1',
        'speech.final:1',
      ]);
      expect(seen.at(-1)).toMatchObject({ text: 'go forward ten meters' });
    } finally {
      speech.unsubscribe();
      bus.publishEvent('lifecycle', {
        type: 'call.ended',
        v: PROTOCOL_VERSION,
        callId,
        timelineMs: 10_000,
        reason: 'caller-hangup',
        durationMs: 10_000,
      });
      await running.stop();
    }
  });
});
