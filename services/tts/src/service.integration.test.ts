import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimStage, connectBus, type AudioMessage, type Bus, type BusSubscription } from '@audexly/bus';
import {
  agentConfigSchema,
  AudioHeader,
  PROTOCOL_VERSION,
  subjects,
  type AgentConfigInput,
  type CallDescriptor,
} from '@audexly/protocol';
import type { TtsProvider } from '@audexly/providers';
import { FakeTts } from '@audexly/providers/testing';
import type { RunningStage } from '@audexly/stage';
import { createLogger } from '@audexly/telemetry';
import { startTtsService } from './service.js';

// The TTS service over a real NATS: claims, reply and control events in, audio.out back. What the
// stage does with the segments is tested in memory (call-handler.test.ts, greeting-cache.test.ts).
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = createLogger({ service: 'tts-test', level: 'silent' });
let bus: Bus;
beforeAll(async () => {
  bus = await connectBus({ servers: natsUrl, name: 'tts-cache-test', log });
});
afterAll(async () => {
  await bus.drain();
});

const GREETING = 'Namaste! Thank you for calling Audexly.';

function descriptor(agent: Partial<AgentConfigInput> = {}): CallDescriptor {
  const callId = `t${randomUUID().replace(/-/g, '')}`;
  return {
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
    agent: agentConfigSchema.parse({ id: 'cache-agent', name: 'A', prompt: 'p', greeting: GREETING, ...agent }),
  };
}

interface Out {
  turn: number;
  segment: number;
  last: boolean;
  bytes: number;
  at: number;
}

/** One call on a running TTS service: collects its audio.out with arrival times. */
class Call {
  readonly out: Out[] = [];
  private readonly sub: BusSubscription<AudioMessage>;
  private readonly loop: Promise<void>;
  private waiters: Array<() => void> = [];
  constructor(readonly call: CallDescriptor) {
    const sub = bus.subscribeAudio(subjects.audioOut(call.callId));
    this.sub = sub;
    this.loop = (async () => {
      for await (const m of sub) {
        this.out.push(toOut(m));
        for (const w of this.waiters.splice(0)) w();
      }
    })();
  }
  async claim(claimSubject: string): Promise<void> {
    await bus.flush();
    expect((await claimStage(bus, 'tts', this.call, { subject: claimSubject })).ok).toBe(true);
  }
  segment(turn: number, segment: number, text: string): void {
    bus.publishEvent('reply', {
      v: PROTOCOL_VERSION,
      callId: this.call.callId,
      timelineMs: 1,
      type: 'reply.segment',
      turn,
      segment,
      text,
    });
  }
  interrupt(turn: number): void {
    bus.publishEvent('control', {
      v: PROTOCOL_VERSION,
      callId: this.call.callId,
      timelineMs: 1,
      type: 'control.interrupt',
      turn,
      reason: 'barge-in',
    });
  }
  async until(match: (o: Out) => boolean): Promise<Out[]> {
    while (!this.out.some(match)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.out;
  }
  async end(): Promise<void> {
    this.sub.unsubscribe();
    await this.loop;
    bus.publishEvent('lifecycle', {
      v: PROTOCOL_VERSION,
      callId: this.call.callId,
      timelineMs: 1,
      type: 'call.ended',
      reason: 'caller-hangup',
      durationMs: 1,
    });
  }
}

function toOut(m: AudioMessage): Out {
  return {
    turn: m.num(AudioHeader.turn, -1),
    segment: m.num(AudioHeader.segment, -1),
    last: m.header(AudioHeader.last) === '1',
    bytes: m.data.byteLength,
    at: performance.now(),
  };
}

const audioBytes = (out: Out[], turn: number, segment: number) =>
  out.filter((o) => o.turn === turn && o.segment === segment).reduce((n, o) => n + o.bytes, 0);
const lastOf = (turn: number, segment: number) => (o: Out) => o.last && o.turn === turn && o.segment === segment;

async function startTts(
  provider: TtsProvider | undefined,
  env: Record<string, string> = {},
): Promise<{ running: RunningStage; claimSubject: string }> {
  const claimSubject = `test.tts.claim.${randomUUID()}`;
  const running = await startTtsService({ NATS_URL: natsUrl, METRICS_PORT: '0', LOG_LEVEL: 'silent', ...env }, log, {
    provider,
    claimSubject,
  });
  return { running, claimSubject };
}

describe('tts service on NATS', () => {
  it('speaks a claimed call’s reply segments on audio.out, the greeting from the cache warmed at claim time', async () => {
    const fake = new FakeTts({ msPerChar: 40 });
    const { running, claimSubject } = await startTts(fake);
    try {
      const c = new Call(descriptor());
      await c.claim(claimSubject);
      c.segment(0, 0, GREETING);
      c.segment(1, 0, 'Your order ships tomorrow.');
      await c.until(lastOf(1, 0));
      expect(audioBytes(c.out, 0, 0)).toBe(GREETING.length * 40 * 16);
      expect(audioBytes(c.out, 1, 0)).toBe('Your order ships tomorrow.'.length * 40 * 16);
      await c.end();
    } finally {
      await running.stop();
    }
  });
});

describe('interrupt', () => {
  it('stops publishing a turn’s audio as soon as the interrupt arrives (slow provider)', async () => {
    // 100 ms between chunks, as a slow provider: the interrupt lands while TTS waits for audio.
    const fake = new FakeTts({ msPerChar: 60, chunkMs: 60, chunkDelayMs: 100 });
    const { running, claimSubject } = await startTts(fake, { TTS_PHRASE_CACHE: 'false' });
    const figures: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const c = new Call(descriptor());
        await c.claim(claimSubject);
        c.segment(1, 0, 'This is a rather long sentence that takes many chunks to speak out loud.');
        c.segment(1, 1, 'Never spoken.');
        await c.until((o) => o.turn === 1 && !o.last);
        await new Promise((r) => setTimeout(r, 30 + i * 15));
        const interruptAt = performance.now();
        c.interrupt(1);
        await bus.flush();
        c.segment(2, 0, 'Ok.');
        await c.until(lastOf(2, 0));
        const turn1 = c.out.filter((o) => o.turn === 1);
        expect(turn1.some((o) => o.last || o.segment === 1)).toBe(false);
        figures.push(Math.max(0, turn1.at(-1)!.at - interruptAt));
        await c.end();
      }
      expect(fake.requests.filter((r) => r.text.startsWith('This is')).every((r) => !r.completed)).toBe(true);
      if (process.env.AUDEXLY_REPORT_TIMINGS)
        console.log(`interrupt → last audio.out of the turn (ms): ${figures.map((f) => f.toFixed(2)).join(', ')}`);
    } finally {
      await running.stop();
    }
  });
});
