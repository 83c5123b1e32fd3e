import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silence } from '@audexly/audio';
import {
  AudexlyError,
  agentConfigSchema,
  AudioHeader,
  ErrorCode,
  subjects,
  type CallDescriptor,
  type FamilyEvent,
  type SpeechEvent,
} from '@audexly/protocol';
import type { SttProvider } from '@audexly/providers';
import { FakeStt } from '@audexly/providers/testing';
import { InMemoryCall } from '@audexly/stage/testing';
import { createLogger } from '@audexly/telemetry';
import { fixtureTranscripts, loadSpeechFixture, speechFixtureRecordings, startFakeSarvam } from '@audexly/testing';
import { createSttHandler } from './call-handler.js';
import { loadSttConfig } from './config.js';
import { sttProviderFromConfig } from './stt-provider.js';

const log = createLogger({ service: 'stt-test', level: 'silent' });

function descriptor(sampleRate: 8000 | 16000, agent: Record<string, unknown> = {}): CallDescriptor {
  const callId = `t${randomUUID().replace(/-/g, '')}`;
  return {
    callId,
    callSid: callId,
    streamSid: 's',
    accountSid: 'a',
    from: '',
    to: '',
    direction: 'inbound',
    sampleRate,
    customParameters: {},
    startedAt: Date.now(),
    agent: agentConfigSchema.parse({
      id: 'a',
      name: 'A',
      prompt: 'p',
      stt: { model: 'saarika:v2.5', language: 'hi-IN' },
      // These tests follow an utterance's events exactly; speculation (on by default) adds a
      // speech.tentative at each pause and is tested on its own below.
      turn: { speculate: false },
      ...agent,
    }),
  };
}

/** Sends PCM on audio.in in 100 ms chunks with seq and timeline headers, as the gateway does. */
function publishAudio(port: InMemoryCall, pcm: Buffer, fromMs = 0, firstSeq = 0): number {
  const { call } = port;
  const chunk = (call.sampleRate / 10) * 2;
  let seq = firstSeq;
  for (let offset = 0; offset < pcm.byteLength; offset += chunk) {
    port.sendAudio(subjects.audioIn(call.callId), pcm.subarray(offset, offset + chunk), {
      [AudioHeader.seq]: seq++,
      [AudioHeader.timelineMs]: fromMs + (offset / 2 / call.sampleRate) * 1000,
      [AudioHeader.sampleRate]: call.sampleRate,
    });
  }
  return fromMs + (pcm.byteLength / 2 / call.sampleRate) * 1000;
}

/** As {@link publishAudio}, one 100 ms frame every 100 ms of wall time (the gateway's pace). */
async function publishAudioPaced(port: InMemoryCall, pcm: Buffer): Promise<void> {
  const chunk = (port.call.sampleRate / 10) * 2;
  for (let offset = 0; offset < pcm.byteLength; offset += chunk) {
    publishAudio(
      port,
      pcm.subarray(offset, offset + chunk),
      (offset / 2 / port.call.sampleRate) * 1000,
      offset / chunk,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The speech events the stage published once `done` says so. */
async function collectUntil(port: InMemoryCall, done: (seen: SpeechEvent[]) => boolean): Promise<SpeechEvent[]> {
  await port.until(() => done(port.published('speech')));
  return port.published('speech');
}

/**
 * One call on the STT stage, in memory: its work built as the service builds it from its
 * environment (`provider` instead of Sarvam when given), `body` playing the gateway; then the call ends.
 */
async function withCall<T>(
  provider: SttProvider | undefined,
  env: Record<string, string>,
  call: CallDescriptor,
  body: (port: InMemoryCall) => Promise<T>,
): Promise<T> {
  const config = loadSttConfig({ LOG_LEVEL: 'silent', ...env });
  const handler = createSttHandler({
    stt: provider ? { provider } : sttProviderFromConfig(config, log),
    preRollMs: config.STT_PRE_ROLL_MS,
    vad: { kind: config.STT_VAD, sileroThreshold: config.STT_VAD_THRESHOLD },
  });
  const port = new InMemoryCall(call, { stage: 'stt', log });
  const work = handler(port);
  try {
    return await body(port);
  } finally {
    await port.end();
    await work;
  }
}

describe('the STT stage', () => {
  it('turns caller speech on audio.in into speech.started, speech.stopped and speech.final with the transcript', async () => {
    const fake = new FakeStt({ transcripts: ['go forward ten meters'] });
    await withCall(fake, {}, descriptor(8000), async (port) => {
      const { pcm } = await loadSpeechFixture('goforward', 8000);
      publishAudio(port, Buffer.concat([silence(500, 8000), pcm, silence(1500, 8000)]));
      const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
      expect(seen.map((e) => e.type)).toEqual(['speech.started', 'speech.stopped', 'speech.final']);
      const [started, stopped, final] = seen;
      expect(started).toMatchObject({ utterance: 1 });
      expect(started?.type === 'speech.started' ? started.speechStartMs : NaN).toBeCloseTo(1000, -2);
      // Speech ends at 2860 ms; Silero lets go of the final "s" up to ~200 ms early.
      expect(stopped?.type === 'speech.stopped' ? stopped.speechEndMs : NaN).toBeGreaterThan(2650);
      expect(final).toMatchObject({
        type: 'speech.final',
        utterance: 1,
        text: 'go forward ten meters',
        language: 'hi-IN',
      });
      if (final?.type === 'speech.final' && started?.type === 'speech.started' && stopped?.type === 'speech.stopped') {
        expect(final.speechStartMs).toBe(started.speechStartMs);
        expect(final.speechEndMs).toBe(stopped.speechEndMs);
        expect(final.audioSeconds).toBeGreaterThan(2);
      }
      // The provider got the utterance's audio (pre-roll + speech + trailing silence) at the call's rate.
      expect(fake.sessions[0]?.options).toMatchObject({ sampleRate: 8000, language: 'hi-IN', model: 'saarika:v2.5' });
      expect(fake.pushedBytes).toBeGreaterThan(pcm.byteLength - 500 * 16);
      expect(fake.sessions[0]?.flushes).toBe(1);
    });
  });

  it('publishes speech.noise instead of speech.final for an empty transcript, and numbers the next utterance 2', async () => {
    const fake = new FakeStt({ transcripts: ['', 'second'] });
    await withCall(fake, {}, descriptor(16000), async (port) => {
      const { pcm } = await loadSpeechFixture('goforward', 16000);
      publishAudio(port, Buffer.concat([silence(300, 16000), pcm, silence(1000, 16000), pcm, silence(1000, 16000)]));
      const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
      expect(seen.map((e) => `${e.type}:${e.utterance}`)).toEqual([
        'speech.started:1',
        'speech.stopped:1',
        'speech.noise:1',
        'speech.started:2',
        'speech.stopped:2',
        'speech.final:2',
      ]);
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', backchannel: false });
    });
  });

  it("marks a final of acknowledgment words only as a backchannel, per the agent's words", async () => {
    const fake = new FakeStt({ transcripts: ['Haan ji.', 'got it', 'okay'] });
    const call = descriptor(16000, { turn: { backchannelWords: ['haan', 'ji', 'got it'], speculate: false } });
    await withCall(fake, {}, call, async (port) => {
      const { pcm } = await loadSpeechFixture('goforward', 16000);
      const gap = silence(1000, 16000);
      publishAudio(port, Buffer.concat([silence(300, 16000), pcm, gap, pcm, gap, pcm, gap]));
      const seen = await collectUntil(port, (s) => s.filter((e) => e.type === 'speech.final').length === 3);
      expect(seen.filter((e) => e.type === 'speech.final').map((e) => [e.text, e.backchannel])).toEqual([
        ['Haan ji.', true],
        ['got it', true],
        ['okay', false],
      ]);
    });
  });

  describe('completeness-aware end of turn', () => {
    /** "…my number is" · a 700 ms pause · "nine eight seven", then silence. */
    async function pausedMidSentence(): Promise<Buffer> {
      const { pcm } = await loadSpeechFixture('goforward', 16000);
      const speech = pcm.subarray(0.4 * 32000, 2.4 * 32000);
      return Buffer.concat([silence(300, 16000), speech, silence(700, 16000), speech, silence(2000, 16000)]);
    }

    it('on: a pause after an unfinished sentence does not end the turn; its pieces make one final', async () => {
      const fake = new FakeStt({ transcripts: ['my number is', 'nine eight seven'] });
      const call = descriptor(16000, { turn: { completeness: { enabled: true } } });
      await withCall(fake, {}, call, async (port) => {
        publishAudio(port, await pausedMidSentence());
        const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
        await port.until(() => fake.sessions[0]!.flushes >= 3);
        expect(port.published('speech').map((e) => `${e.type}:${e.utterance}`)).toEqual([
          'speech.started:1',
          'speech.stopped:1',
          'speech.final:1',
        ]);
        expect(seen.at(-1)).toMatchObject({ type: 'speech.final', text: 'my number is nine eight seven' });
        // A probe at each pause. The turn ended in the last probed pause with no speech since, but
        // the audio after that probe still held the fading end of the last word (-41 to -47 dBFS
        // after the VAD let go): it is flushed as the utterance's last piece, not left for the next.
        expect(fake.sessions[0]!.flushes).toBe(3);
      });
    });

    it('speculate: the transcript at each pause goes out as speech.tentative, voided by speech.resumed when the caller speaks on', async () => {
      const fake = new FakeStt({ transcripts: ['my number is', 'nine eight seven'] });
      const call = descriptor(16000, { turn: { speculate: true } });
      await withCall(fake, {}, call, async (port) => {
        // A 300 ms pause between the words: probed at 150 ms, shorter than the fixed 500 ms end of turn.
        const { pcm } = await loadSpeechFixture('goforward', 16000);
        const speech = pcm.subarray(0.46 * 32000, 2.11 * 32000);
        publishAudio(
          port,
          Buffer.concat([silence(300, 16000), speech, silence(300, 16000), speech, silence(2000, 16000)]),
        );
        await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
        expect(
          port.published('speech').map((e) => `${e.type}:${e.utterance}${'text' in e ? `:${e.text}` : ''}`),
        ).toEqual([
          'speech.started:1',
          'speech.tentative:1:my number is',
          'speech.resumed:1',
          'speech.tentative:1:my number is nine eight seven',
          'speech.stopped:1',
          'speech.final:1:my number is nine eight seven',
        ]);
      });
    });

    it('speculate on Sarvam’s realtime socket: the tentative transcript comes from an interim one, before the probe is answered', async () => {
      // Finals 400 ms late, interim transcripts 20 ms late: a tentative out before any final can only be an interim one.
      const sarvam = await startFakeSarvam({
        apiKey: 'k',
        transcripts: fixtureTranscripts(await speechFixtureRecordings(8000)),
        sttLatencyMs: 400,
        sttPartialLatencyMs: 20,
      });
      try {
        const env = { SARVAM_API_KEY: 'k', SARVAM_BASE_URL: sarvam.url, STT_SARVAM_ENDPOINT: 'realtime' };
        const call = descriptor(8000, { turn: { speculate: true } });
        await withCall(undefined, env, call, async (port) => {
          const { pcm } = await loadSpeechFixture('goforward', 8000);
          const finalsSent = () =>
            sarvam.requests.flatMap((r) => r.sent as { event?: string }[]).filter((m) => m.event === 'transcript.final')
              .length;
          let finalsWhenTentative = -1;
          void port.until(() => {
            const out = port.published('speech').some((e) => e.type === 'speech.tentative');
            if (out && finalsWhenTentative < 0) finalsWhenTentative = finalsSent();
            return out;
          });
          // Paced as the gateway sends it: 100 ms frames in real time.
          await publishAudioPaced(port, Buffer.concat([silence(300, 8000), pcm, silence(1200, 8000)]));
          const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
          expect(seen.map((e) => `${e.type}${'text' in e ? `:${e.text}` : ''}`)).toEqual([
            'speech.started',
            'speech.tentative:go forward ten meters',
            'speech.stopped',
            'speech.final:go forward ten meters',
          ]);
          expect(finalsWhenTentative).toBe(0);
        });
      } finally {
        await sarvam.close();
      }
    });

    it('speculate with completeness: no tentative transcript for a visibly unfinished sentence', async () => {
      const fake = new FakeStt({ transcripts: ['my number is', 'nine eight seven'] });
      const call = descriptor(16000, { turn: { completeness: { enabled: true }, speculate: true } });
      await withCall(fake, {}, call, async (port) => {
        publishAudio(port, await pausedMidSentence());
        const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
        expect(seen.map((e) => e.type)).toEqual(['speech.started', 'speech.stopped', 'speech.final']);
      });
    });

    it('off (the default): the same pause ends the turn after the fixed silence', async () => {
      const fake = new FakeStt({ transcripts: ['my number is', 'nine eight seven'] });
      await withCall(fake, {}, descriptor(16000), async (port) => {
        publishAudio(port, await pausedMidSentence());
        const seen = await collectUntil(port, (s) => s.filter((e) => e.type === 'speech.final').length === 2);
        expect(seen.filter((e) => e.type === 'speech.final').map((e) => `${e.utterance}:${e.text}`)).toEqual([
          '1:my number is',
          '2:nine eight seven',
        ]);
      });
    });
  });

  it('without SARVAM_API_KEY still detects turns and fails each one with an stt error event', async () => {
    await withCall(undefined, { SARVAM_API_KEY: '' }, descriptor(8000), async (port) => {
      const { pcm } = await loadSpeechFixture('goforward', 8000);
      publishAudio(port, Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000)]));
      expect(await port.waitFor('error')).toMatchObject({
        stage: 'stt',
        code: 'AUDEXLY_ERR_STT_UPSTREAM',
        retryable: false,
        turn: 1,
      });
    });
  });

  it('reports a provider failure for the utterance and transcribes the next one in a new session', async () => {
    const fake = new FakeStt({
      transcripts: [new AudexlyError(ErrorCode.sttUpstream, 'socket closed', { retryable: true }), 'second try'],
    });
    await withCall(fake, {}, descriptor(8000), async (port) => {
      const { pcm } = await loadSpeechFixture('goforward', 8000);
      publishAudio(port, Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000), pcm, silence(1000, 8000)]));
      const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 2, text: 'second try' });
      expect(await port.waitFor('error')).toMatchObject({
        stage: 'stt',
        code: 'AUDEXLY_ERR_STT_UPSTREAM',
        retryable: true,
        turn: 1,
      });
      expect(fake.sessions).toHaveLength(2);
    });
  });

  it('after a failover, numbers utterances on from the last one the event log shows', async () => {
    const call = descriptor(8000);
    const base = { v: 1, callId: call.callId } as const;
    const port = new InMemoryCall(call, {
      stage: 'stt',
      log,
      reclaimed: true,
      eventLog: [
        { ...base, timelineMs: 100, type: 'speech.started', utterance: 3, speechStartMs: 100 },
        { ...base, timelineMs: 900, type: 'speech.stopped', utterance: 3, speechEndMs: 900 },
      ],
    });
    const fake = new FakeStt({ transcripts: ['go forward ten meters'] });
    const work = createSttHandler({
      stt: { provider: fake },
      preRollMs: 300,
      vad: { kind: 'silero', sileroThreshold: 0.5 },
    })(port);
    try {
      const { pcm } = await loadSpeechFixture('goforward', 8000);
      publishAudio(port, Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000)]), 2000);
      const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
      expect(seen.map((e) => `${e.type}:${e.utterance}`)).toEqual([
        'speech.started:4',
        'speech.stopped:4',
        'speech.final:4',
      ]);
    } finally {
      await port.end();
      await work;
    }
  });

  it('transcribes through Sarvam streaming STT configured by SARVAM_API_KEY and SARVAM_BASE_URL', async () => {
    const sarvam = await startFakeSarvam({ transcripts: ['go forward ten meters'] });
    try {
      await withCall(
        undefined,
        { SARVAM_API_KEY: 'test-key', SARVAM_BASE_URL: sarvam.url },
        descriptor(8000),
        async (port) => {
          const { pcm } = await loadSpeechFixture('goforward', 8000);
          publishAudio(port, Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000)]));
          const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
          expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 1, text: 'go forward ten meters' });
          const ws = sarvam.requests.find((r) => r.endpoint === 'stt-ws');
          expect(ws?.params).toMatchObject({ 'language-code': 'hi-IN', sample_rate: '8000' });
          expect(ws?.audio.byteLength).toBeGreaterThan(pcm.byteLength - 500 * 16);
        },
      );
    } finally {
      await sarvam.close();
    }
  });

  describe('with Sarvam (fake server)', () => {
    type Seen = SpeechEvent | FamilyEvent<'error'>;
    /** Runs one call against a fake Sarvam and returns its speech and error events, in order, once `done` says so. */
    async function sarvamCall(
      options: {
        inject?: Parameters<Awaited<ReturnType<typeof startFakeSarvam>>['inject']>[0][];
        agent?: Record<string, unknown>;
        env?: Record<string, string>;
        transcripts?: string[];
        repeat?: number;
      },
      done: (seen: Seen[]) => boolean,
    ): Promise<{ seen: Seen[]; sarvam: Awaited<ReturnType<typeof startFakeSarvam>> }> {
      const sarvam = await startFakeSarvam({
        transcripts: options.transcripts ?? ['go forward ten meters', 'second turn'],
      });
      for (const f of options.inject ?? []) sarvam.inject(f);
      try {
        return await withCall(
          undefined,
          { SARVAM_API_KEY: 'test-key', SARVAM_BASE_URL: sarvam.url, ...options.env },
          descriptor(8000, options.agent),
          async (port) => {
            const seen = () =>
              port.published().flatMap((p) => (p.family === 'speech' || p.family === 'error' ? [p.event as Seen] : []));
            const { pcm } = await loadSpeechFixture('goforward', 8000);
            const turn = Buffer.concat([silence(300, 8000), pcm, silence(1000, 8000)]);
            publishAudio(port, Buffer.concat(Array.from({ length: options.repeat ?? 1 }, () => turn)));
            await port.until(() => done(seen()));
            return { seen: seen(), sarvam };
          },
        );
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
      const { seen, sarvam } = await sarvamCall(
        {
          inject: [
            { on: 'stt-ws', status: 503 },
            { on: 'stt-ws', status: 503 },
            { on: 'stt-ws', status: 503 },
          ],
        },
        (s) => finals(s) === 1,
      );
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 1, text: 'go forward ten meters' });
      expect(sarvam.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    });

    it('transcribes an utterance over REST when the socket does not answer its flush within STT_FLUSH_TIMEOUT_MS', async () => {
      const { seen, sarvam } = await sarvamCall(
        { inject: [{ on: 'stt-ws', stall: true }], env: { STT_FLUSH_TIMEOUT_MS: '300' } },
        (s) => finals(s) === 1,
      );
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 1, text: 'go forward ten meters' });
      expect(sarvam.requests.filter((r) => r.endpoint === 'stt-rest')).toHaveLength(1);
    });

    it('auto-detects the language with stt.language unknown and records it in speech.final', async () => {
      const { seen, sarvam } = await sarvamCall(
        { agent: { stt: { model: 'saaras:v3', language: 'unknown' } } },
        (s) => finals(s) === 1,
      );
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', language: 'en-IN' });
      expect(sarvam.requests.find((r) => r.endpoint === 'stt-ws')?.params).toMatchObject({
        'language-code': 'unknown',
        model: 'saaras:v3',
      });
    });

    it('fails only the utterance when streaming and REST both fail, and transcribes the next utterance', async () => {
      const { seen } = await sarvamCall(
        {
          inject: [
            { on: 'stt-ws', error: 'boom' },
            { on: 'stt-rest', status: 400 },
          ],
          transcripts: ['second turn'],
          repeat: 2,
        },
        (s) => finals(s) === 1,
      );
      expect(seen.find((e) => e.type === 'error')).toMatchObject({ type: 'error', turn: 1, retryable: false });
      expect(seen.at(-1)).toMatchObject({ type: 'speech.final', utterance: 2, text: 'second turn' });
    });

    it('publishes no speech.started for a fragment of speech shorter than minSpeechMs', async () => {
      const sarvam = await startFakeSarvam({ transcripts: ['go forward ten meters'] });
      try {
        await withCall(
          undefined,
          { SARVAM_API_KEY: 'test-key', SARVAM_BASE_URL: sarvam.url },
          descriptor(8000, { turn: { minSpeechMs: 300 } }),
          async (port) => {
            const { pcm } = await loadSpeechFixture('goforward', 8000);
            // 160 ms of "go" (an "uh"), a pause, then the real sentence.
            const audio = Buffer.concat([
              silence(500, 8000),
              pcm.subarray(500 * 16, 660 * 16),
              silence(1500, 8000),
              pcm,
              silence(1000, 8000),
            ]);
            publishAudio(port, audio);
            const seen = await collectUntil(port, (s) => s.some((e) => e.type === 'speech.final'));
            const started = seen.filter((e) => e.type === 'speech.started');
            expect(started).toHaveLength(1);
            expect(started[0]).toMatchObject({ utterance: 1 });
            expect(
              started[0]?.type === 'speech.started'
                ? Math.abs(started[0].speechStartMs - (500 + 160 + 1500 + 500))
                : NaN,
            ).toBeLessThan(150);
          },
        );
      } finally {
        await sarvam.close();
      }
    });
  });
});
