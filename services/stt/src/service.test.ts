import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silence } from '@audexly/audio';
import { claimStage, connectBus, type Bus } from '@audexly/bus';
import { AudexlyError, agentConfigSchema, AudioHeader, ErrorCode, PROTOCOL_VERSION, subjects, type CallDescriptor, type SpeechEvent } from '@audexly/protocol';
import { FakeStt } from '@audexly/providers/testing';
import type { RunningStage } from '@audexly/stage';
import { createLogger } from '@audexly/telemetry';
import { loadSpeechFixture, startFakeSarvam } from '@audexly/testing';
import { startSttService } from './service.js';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = createLogger({ service: 'stt-test', level: 'silent' });
const env = { NATS_URL: natsUrl, METRICS_PORT: '0', LOG_LEVEL: 'silent' };
let bus: Bus;

beforeAll(async () => {
  bus = await connectBus({ servers: natsUrl, name: 'stt-test', log });
});
afterAll(async () => {
  await bus.drain();
});

function descriptor(sampleRate: 8000 | 16000, agent: Record<string, unknown> = {}): CallDescriptor {
  const callId = `t${randomUUID().replace(/-/g, '')}`;
  return {
    callId, callSid: callId, streamSid: 's', accountSid: 'a', from: '', to: '', direction: 'inbound', sampleRate, customParameters: {}, startedAt: Date.now(),
    agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p', stt: { model: 'saarika:v2.5', language: 'hi-IN' }, ...agent }),
  };
}

/** Publishes PCM on audio.in in 100 ms chunks with seq and timeline headers, as the gateway does. */
function publishAudio(call: CallDescriptor, pcm: Buffer, fromMs = 0): number {
  const chunk = (call.sampleRate / 10) * 2;
  let seq = 0;
  for (let offset = 0; offset < pcm.byteLength; offset += chunk) {
    bus.publishAudio(subjects.audioIn(call.callId), pcm.subarray(offset, offset + chunk), {
      [AudioHeader.seq]: seq++,
      [AudioHeader.timelineMs]: fromMs + (offset / 2 / call.sampleRate) * 1000,
      [AudioHeader.sampleRate]: call.sampleRate,
    });
  }
  return fromMs + (pcm.byteLength / 2 / call.sampleRate) * 1000;
}

async function collectUntil(events: AsyncIterable<{ event: SpeechEvent }>, done: (seen: SpeechEvent[]) => boolean): Promise<SpeechEvent[]> {
  const seen: SpeechEvent[] = [];
  for await (const { event } of events) {
    seen.push(event);
    if (done(seen)) break;
  }
  return seen;
}

async function withService<T>(provider: FakeStt | undefined, extraEnv: Record<string, string>, body: (claimSubject: string) => Promise<T>): Promise<T> {
  const claimSubject = `test.stt.claim.${randomUUID()}`;
  const running: RunningStage = await startSttService({ ...env, ...extraEnv }, log, { provider, claimSubject });
  try {
    return await body(claimSubject);
  } finally {
    await running.stop();
  }
}

function endCall(call: CallDescriptor): void {
  bus.publishEvent('lifecycle', { type: 'call.ended', v: PROTOCOL_VERSION, callId: call.callId, timelineMs: 10_000, reason: 'caller-hangup', durationMs: 10_000 });
}

describe('stt service', () => {
  it('turns caller speech on audio.in into speech.started, speech.stopped and speech.final with the transcript', async () => {
    const fake = new FakeStt({ transcripts: ['go forward ten meters'] });
    await withService(fake, {}, async (claimSubject) => {
      const call = descriptor(8000);
      const speech = bus.subscribeEvents(call.callId, 'speech');
      await bus.flush();
      expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
      const { pcm } = await loadSpeechFixture('goforward', 8000);
      publishAudio(call, Buffer.concat([silence(500, 8000), pcm, silence(1500, 8000)]));
      const seen = await collectUntil(speech, (s) => s.some((e) => e.type === 'speech.final'));
      speech.unsubscribe();
      expect(seen.map((e) => e.type)).toEqual(['speech.started', 'speech.stopped', 'speech.final']);
      const [started, stopped, final] = seen;
      expect(started).toMatchObject({ utterance: 1 });
      expect(started?.type === 'speech.started' ? started.speechStartMs : NaN).toBeCloseTo(1000, -2);
      // Speech ends at 2860 ms; Silero lets go of the final "s" up to ~200 ms early.
      expect(stopped?.type === 'speech.stopped' ? stopped.speechEndMs : NaN).toBeGreaterThan(2650);
      expect(final).toMatchObject({ type: 'speech.final', utterance: 1, text: 'go forward ten meters', language: 'hi-IN' });
      if (final?.type === 'speech.final' && started?.type === 'speech.started' && stopped?.type === 'speech.stopped') {
        expect(final.speechStartMs).toBe(started.speechStartMs);
        expect(final.speechEndMs).toBe(stopped.speechEndMs);
        expect(final.audioSeconds).toBeGreaterThan(2);
      }
      // The provider got the utterance's audio (pre-roll + speech + trailing silence) at the call's rate.
      expect(fake.sessions[0]?.options).toMatchObject({ sampleRate: 8000, language: 'hi-IN', model: 'saarika:v2.5' });
      expect(fake.pushedBytes).toBeGreaterThan(pcm.byteLength - 500 * 16);
      expect(fake.sessions[0]?.flushes).toBe(1);
      endCall(call);
    });
  });

  it('publishes no speech.final for an empty transcript, and numbers the next utterance 2', async () => {
    const fake = new FakeStt({ transcripts: ['', 'second'] });
    await withService(fake, {}, async (claimSubject) => {
      const call = descriptor(16000);
      const speech = bus.subscribeEvents(call.callId, 'speech');
      await bus.flush();
      expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
      const { pcm } = await loadSpeechFixture('goforward', 16000);
      publishAudio(call, Buffer.concat([silence(300, 16000), pcm, silence(1000, 16000), pcm, silence(1000, 16000)]));
      const seen = await collectUntil(speech, (s) => s.some((e) => e.type === 'speech.final'));
      speech.unsubscribe();
      expect(seen.map((e) => `${e.type}:${e.utterance}`)).toEqual(['speech.started:1', 'speech.stopped:1', 'speech.started:2', 'speech.stopped:2', 'speech.final:2']);
      endCall(call);
    });
  });

  it('without SARVAM_API_KEY still detects turns and fails each one with an stt error event', async () => {
    await withService(undefined, { SARVAM_API_KEY: '' }, async (claimSubject) => {
      const call = descriptor(8000);
      const errors = bus.subscribeEvents(call.callId, 'error');
      await bus.flush();
      expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
      const { pcm } = await loadSpeechFixture('goforward', 8000);
      publishAudio(call, Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000)]));
      for await (const { event } of errors) {
        expect(event).toMatchObject({ stage: 'stt', code: 'AUDEXLY_ERR_STT_UPSTREAM', retryable: false, turn: 1 });
        break;
      }
      errors.unsubscribe();
      endCall(call);
    });
  });

  it('reports a provider failure for the utterance and transcribes the next one in a new session', async () => {
    const fake = new FakeStt({ transcripts: [new AudexlyError(ErrorCode.sttUpstream, 'socket closed', { retryable: true }), 'second try'] });
    await withService(fake, {}, async (claimSubject) => {
      const call = descriptor(8000);
      const speech = bus.subscribeEvents(call.callId, 'speech');
      const errors = bus.subscribeEvents(call.callId, 'error');
      await bus.flush();
      expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
      const { pcm } = await loadSpeechFixture('goforward', 8000);
      publishAudio(call, Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000), pcm, silence(1000, 8000)]));
      const seen = await collectUntil(speech, (s) => s.some((e) => e.type === 'speech.final'));
      speech.unsubscribe();
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 2, text: 'second try' });
      for await (const { event } of errors) {
        expect(event).toMatchObject({ stage: 'stt', code: 'AUDEXLY_ERR_STT_UPSTREAM', retryable: true, turn: 1 });
        break;
      }
      errors.unsubscribe();
      expect(fake.sessions).toHaveLength(2);
      endCall(call);
    });
  });

  it('transcribes through Sarvam streaming STT configured by SARVAM_API_KEY and SARVAM_BASE_URL', async () => {
    const sarvam = await startFakeSarvam({ transcripts: ['go forward ten meters'] });
    try {
      await withService(undefined, { SARVAM_API_KEY: 'test-key', SARVAM_BASE_URL: sarvam.url }, async (claimSubject) => {
        const call = descriptor(8000);
        const speech = bus.subscribeEvents(call.callId, 'speech');
        await bus.flush();
        expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
        const { pcm } = await loadSpeechFixture('goforward', 8000);
        publishAudio(call, Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000)]));
        const seen = await collectUntil(speech, (s) => s.some((e) => e.type === 'speech.final'));
        speech.unsubscribe();
        expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 1, text: 'go forward ten meters' });
        const ws = sarvam.requests.find((r) => r.endpoint === 'stt-ws');
        expect(ws?.params).toMatchObject({ 'language-code': 'hi-IN', sample_rate: '8000' });
        expect(ws?.audio.byteLength).toBeGreaterThan(pcm.byteLength - 500 * 16);
        endCall(call);
      });
    } finally {
      await sarvam.close();
    }
  });

  describe('with Sarvam (fake server)', () => {
    /** Runs one call against a fake Sarvam and returns its speech and error events once `done` says so. */
    async function sarvamCall(
      options: { inject?: Parameters<Awaited<ReturnType<typeof startFakeSarvam>>['inject']>[0][]; agent?: Record<string, unknown>; env?: Record<string, string>; transcripts?: string[]; repeat?: number },
      done: (seen: Array<SpeechEvent | { type: 'error'; turn?: number; retryable: boolean }>) => boolean,
    ): Promise<{ seen: Array<SpeechEvent | { type: 'error'; turn?: number; retryable: boolean }>; sarvam: Awaited<ReturnType<typeof startFakeSarvam>> }> {
      const sarvam = await startFakeSarvam({ transcripts: options.transcripts ?? ['go forward ten meters', 'second turn'] });
      for (const f of options.inject ?? []) sarvam.inject(f);
      try {
        return await withService(undefined, { SARVAM_API_KEY: 'test-key', SARVAM_BASE_URL: sarvam.url, ...options.env }, async (claimSubject) => {
          const call = descriptor(8000, options.agent);
          const speech = bus.subscribeEvents(call.callId, 'speech');
          const errors = bus.subscribeEvents(call.callId, 'error');
          await bus.flush();
          const seen: Array<SpeechEvent | { type: 'error'; turn?: number; retryable: boolean }> = [];
          const collect = async (source: AsyncIterable<{ event: SpeechEvent | { type: 'error'; turn?: number; retryable: boolean } }>) => {
            for await (const { event } of source) {
              seen.push(event);
              if (done(seen)) break;
            }
          };
          try {
            expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
            const { pcm } = await loadSpeechFixture('goforward', 8000);
            const turn = Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000)]);
            publishAudio(call, Buffer.concat(Array.from({ length: options.repeat ?? 1 }, () => turn)));
            await Promise.race([collect(speech), collect(errors as AsyncIterable<{ event: { type: 'error'; turn?: number; retryable: boolean } }>)]);
            return { seen, sarvam };
          } finally {
            speech.unsubscribe();
            errors.unsubscribe();
            endCall(call);
          }
        });
      } finally {
        await sarvam.close();
      }
    }
    const finals = (seen: Array<{ type: string }>): number => seen.filter((e) => e.type === 'speech.final').length;

    it('falls back to REST when Sarvam drops the STT socket mid-utterance (1011), and the turn gets its transcript', async () => {
      const { seen, sarvam } = await sarvamCall({ inject: [{ on: 'stt-ws', close: 1011 }] }, (s) => finals(s) === 1);
      expect(seen.filter((e) => e.type === 'error')).toEqual([]);
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 1, text: 'go forward ten meters' });
      const rest = sarvam.requests.filter((r) => r.endpoint === 'stt-rest');
      expect(rest).toHaveLength(1);
      expect(rest[0]!.audio.byteLength).toBeGreaterThan(2.3 * 16000);
    });

    it('falls back to REST when the STT socket upgrade is refused', async () => {
      const { seen, sarvam } = await sarvamCall({ inject: [{ on: 'stt-ws', status: 503 }, { on: 'stt-ws', status: 503 }, { on: 'stt-ws', status: 503 }] }, (s) => finals(s) === 1);
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 1, text: 'go forward ten meters' });
      expect(sarvam.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    });

    it('transcribes an utterance over REST when the socket does not answer its flush within STT_FLUSH_TIMEOUT_MS', async () => {
      const { seen, sarvam } = await sarvamCall({ inject: [{ on: 'stt-ws', stall: true }], env: { STT_FLUSH_TIMEOUT_MS: '300' } }, (s) => finals(s) === 1);
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 1, text: 'go forward ten meters' });
      expect(sarvam.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    });

    it('auto-detects the language with stt.language unknown and records it in speech.final', async () => {
      const { seen, sarvam } = await sarvamCall({ agent: { stt: { model: 'saaras:v3', language: 'unknown' } } }, (s) => finals(s) === 1);
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', language: 'en-IN' });
      expect(sarvam.requests.find((r) => r.endpoint === 'stt-ws')?.params).toMatchObject({ 'language-code': 'unknown', model: 'saaras:v3' });
    });

    it('fails only the utterance when streaming and REST both fail, and transcribes the next utterance', async () => {
      const { seen } = await sarvamCall(
        { inject: [{ on: 'stt-ws', error: 'boom' }, { on: 'stt-rest', status: 400 }], transcripts: ['second turn'], repeat: 2 },
        (s) => finals(s) === 1,
      );
      expect(seen.find((e) => e.type === 'error')).toMatchObject({ type: 'error', turn: 1, retryable: false });
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 2, text: 'second turn' });
    });

    it('publishes no speech.started for a fragment of speech shorter than minSpeechMs', async () => {
      const sarvam = await startFakeSarvam({ transcripts: ['go forward ten meters'] });
      try {
        await withService(undefined, { SARVAM_API_KEY: 'test-key', SARVAM_BASE_URL: sarvam.url }, async (claimSubject) => {
          const call = descriptor(8000, { turn: { minSpeechMs: 300 } });
          const speech = bus.subscribeEvents(call.callId, 'speech');
          await bus.flush();
          try {
            expect((await claimStage(bus, 'stt', call, { subject: claimSubject })).ok).toBe(true);
            const { pcm } = await loadSpeechFixture('goforward', 8000);
            // 160 ms of "go" (an "uh"), a pause, then the real sentence.
            const audio = Buffer.concat([silence(500, 8000), pcm.subarray(500 * 16, 660 * 16), silence(1500, 8000), pcm, silence(1000, 8000)]);
            publishAudio(call, audio);
            const seen = await collectUntil(speech, (s) => s.some((e) => e.type === 'speech.final'));
            const started = seen.filter((e) => e.type === 'speech.started');
            expect(started).toHaveLength(1);
            expect(started[0]).toMatchObject({ utterance: 1 });
            expect(started[0]?.type === 'speech.started' ? Math.abs(started[0].speechStartMs - (500 + 160 + 1500 + 500)) : NaN).toBeLessThan(150);
          } finally {
            speech.unsubscribe();
            endCall(call);
          }
        });
      } finally {
        await sarvam.close();
      }
    });
  });
});
