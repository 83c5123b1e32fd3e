import { randomUUID } from 'node:crypto';
import type { AudioMessage } from '@audexly/bus';
import {
  agentConfigSchema,
  AudioHeader,
  subjects,
  type AgentConfigInput,
  type CallDescriptor,
} from '@audexly/protocol';
import type { TtsProvider } from '@audexly/providers';
import type { CallPortHandler } from '@audexly/stage';
import { InMemoryCall } from '@audexly/stage/testing';
import { createLogger } from '@audexly/telemetry';
import { createTtsHandler } from '../call-handler.js';
import { loadTtsConfig } from '../config.js';
import { PhraseCache } from '../phrase-cache.js';
import { ttsProviderFromConfig } from '../tts-provider.js';
import type { TtsMetrics } from '../tts-metrics.js';

export const log = createLogger({ service: 'tts-test', level: 'silent' });

export function descriptor(agent: Partial<AgentConfigInput> = {}): CallDescriptor {
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
    agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p', ...agent }),
  };
}

/** One audio.out message as the gateway reads it. */
export interface Out {
  turn: number;
  segment: number;
  seq: number;
  rate: number;
  last: boolean;
  bytes: number;
  /** `Audexly-Provider-Ms`, when present. */
  providerMs?: number;
}

function toOut(m: AudioMessage): Out {
  return {
    turn: m.num(AudioHeader.turn, -1),
    segment: m.num(AudioHeader.segment, -1),
    seq: m.num(AudioHeader.seq, -1),
    rate: m.num(AudioHeader.sampleRate, -1),
    last: m.header(AudioHeader.last) === '1',
    bytes: m.data.byteLength,
    ...(m.header(AudioHeader.providerMs) === undefined ? {} : { providerMs: m.num(AudioHeader.providerMs) }),
  };
}

/** The test side of one call: sends what the LLM and the gateway would, reads the audio TTS publishes. */
export class TtsTestCall {
  readonly port: InMemoryCall;

  constructor(readonly call: CallDescriptor) {
    this.port = new InMemoryCall(call, { stage: 'tts', log });
  }

  /** What TTS published on audio.out so far. */
  get out(): Out[] {
    return this.port.publishedAudio(subjects.audioOut(this.call.callId)).map(toOut);
  }

  segment(turn: number, segment: number, text: string): void {
    this.port.send('reply', { type: 'reply.segment', turn, segment, text });
  }

  /** What the LLM publishes when its speculative answer has a first sentence. */
  prepare(utterance: number, text: string): void {
    this.port.send('reply', { type: 'reply.prepare', utterance, text });
  }

  interrupt(turn: number): void {
    this.port.send('control', { type: 'control.interrupt', turn, reason: 'barge-in' });
  }

  /** audio.out once a message matches. */
  async until(match: (o: Out) => boolean): Promise<Out[]> {
    await this.port.until(() => this.out.some(match));
    return this.out;
  }
}

/** The TTS stage's work per call, built as the service builds it from its environment (one greeting cache for every call). */
export function ttsHandler(
  provider: TtsProvider | undefined,
  env: Record<string, string> = {},
  metrics?: TtsMetrics,
): CallPortHandler {
  const config = loadTtsConfig({ LOG_LEVEL: 'silent', ...env });
  return createTtsHandler({
    ...(metrics ? { metrics } : {}),
    tts: provider ? { provider } : ttsProviderFromConfig(config, log),
    providerSampleRate: config.TTS_PROVIDER_SAMPLE_RATE,
    cache: config.TTS_PHRASE_CACHE ? new PhraseCache(config.TTS_PHRASE_CACHE_ENTRIES) : null,
  });
}

/** Runs `handler` on the call while `body` plays the rest of it; then the call ends and the work finishes. */
export async function runCall(
  handler: CallPortHandler,
  t: TtsTestCall,
  body: (t: TtsTestCall) => Promise<void>,
): Promise<void> {
  const work = handler(t.port);
  try {
    await body(t);
  } finally {
    await t.port.end();
    await work;
  }
}

/** `audio.out` closing segment `segment` of `turn`. */
export const lastOf = (turn: number, segment: number) => (o: Out) => o.last && o.turn === turn && o.segment === segment;

/** Audio bytes of one segment. */
export const audioBytes = (out: Out[], turn: number, segment: number) =>
  out.filter((o) => o.turn === turn && o.segment === segment).reduce((n, o) => n + o.bytes, 0);
