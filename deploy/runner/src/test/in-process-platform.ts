import { randomUUID } from 'node:crypto';
import type { Stage } from '@audexly/protocol';
import type { Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import {
  startFakeOpenAI,
  startFakeSarvam,
  type FakeOpenAI,
  type FakeOpenAIOptions,
  type FakeSarvam,
  type FakeSarvamOptions,
} from '@audexly/testing';
import { startApi } from '@audexly/api';
import { startGateway } from '@audexly/gateway';
import { startLlmService } from '@audexly/llm';
import { startRecorderService } from '@audexly/recorder';
import { startSttService } from '@audexly/stt';
import { startTtsService } from '@audexly/tts';

export interface InProcessPlatformOptions {
  sarvam?: Omit<FakeSarvamOptions, 'apiKey'>;
  openai?: Omit<FakeOpenAIOptions, 'apiKey'>;
  /** Extra environment for every service (e.g. LLM_MIN_SEGMENT_CHARS). */
  env?: Record<string, string>;
}

/** One more gateway on the same stages (a second replica, or a restarted one). */
export interface ExtraGateway {
  gatewayUrl: string;
  gatewayHttp: string;
  /** Drains (live calls go on until they end or DRAIN_TIMEOUT_MS), then stops. */
  stop(): Promise<void>;
}

/** All six services in this process, on the real NATS, against the fake Sarvam and OpenAI. */
export interface InProcessPlatform {
  sarvam: FakeSarvam;
  openai: FakeOpenAI;
  /** Exotel's Voicebot stream URL. */
  gatewayUrl: string;
  /** The gateway's HTTP base (health, telephony endpoints). */
  gatewayHttp: string;
  apiUrl: string;
  /** The gateway's NATS connection (for KV set-up and reading event logs). */
  bus: Bus;
  /** Drains the first gateway alone (live calls go on until they end or DRAIN_TIMEOUT_MS). */
  stopGateway(): Promise<void>;
  /** Starts another gateway on the same stages, api and NATS; `stop` stops it too. */
  startGateway(): Promise<ExtraGateway>;
  /** Drains every service, then closes the fakes. */
  stop(): Promise<void>;
}

/**
 * Starts the fakes and the six services in-process, with claims on subjects of this run alone so
 * services elsewhere on the same NATS never take its calls (and it never takes theirs).
 */
export async function startInProcessPlatform(options: InProcessPlatformOptions = {}): Promise<InProcessPlatform> {
  // E2E_LOG_LEVEL=info shows the services' logs (silent by default).
  const log = createLogger({ service: 'e2e', level: process.env.E2E_LOG_LEVEL ?? 'silent' });
  const run = randomUUID().slice(0, 8);
  const claimSubject = (stage: Stage) => `e2e.${run}.${stage}.claim`;
  const sarvam = await startFakeSarvam({ ...options.sarvam, apiKey: 'e2e-sarvam' });
  const openai = await startFakeOpenAI({ ...options.openai, apiKey: 'e2e-openai' });
  const env = {
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    SARVAM_API_KEY: 'e2e-sarvam',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'e2e-openai',
    OPENAI_BASE_URL: openai.url,
    GATEWAY_PORT: '0',
    API_PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const stops: (() => Promise<void>)[] = [];
  try {
    const stages = await Promise.all([
      startSttService(env, log, { claimSubject: claimSubject('stt') }),
      startLlmService(env, log, { claimSubject: claimSubject('llm') }),
      startTtsService(env, log, { claimSubject: claimSubject('tts') }),
      startRecorderService(env, log, { claimSubject: claimSubject('recorder') }),
    ]);
    stops.push(...stages.map((s) => () => s.stop()));
    const api = await startApi(env, log);
    stops.unshift(() => api.stop());
    const gateway = await startGateway(env, log, { claimSubject });
    stops.unshift(() => gateway.stop());
    const extraGateway = async (): Promise<ExtraGateway> => {
      const more = await startGateway(env, log, { claimSubject });
      stops.unshift(() => more.stop());
      return {
        gatewayUrl: `ws://127.0.0.1:${more.port}/api/v1/telephony/exotel/stream`,
        gatewayHttp: `http://127.0.0.1:${more.port}`,
        stop: () => more.stop(),
      };
    };
    return {
      sarvam,
      openai,
      gatewayUrl: `ws://127.0.0.1:${gateway.port}/api/v1/telephony/exotel/stream`,
      gatewayHttp: `http://127.0.0.1:${gateway.port}`,
      apiUrl: `http://127.0.0.1:${api.port}`,
      bus: gateway.bus,
      stopGateway: () => gateway.stop(),
      startGateway: extraGateway,
      stop: async () => {
        for (const stop of stops) await stop();
        await Promise.all([sarvam.close(), openai.close()]);
      },
    };
  } catch (err) {
    for (const stop of stops) await stop();
    await Promise.all([sarvam.close(), openai.close()]);
    throw err;
  }
}
