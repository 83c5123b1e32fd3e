import { randomUUID } from 'node:crypto';
import { BUCKETS, connectBus, openBucket, type Bus } from '@audexly/bus';
import { createLogger } from '@audexly/telemetry';
import { startApi, type RunningApi } from '../service.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface Answer {
  status: number;
  /** The JSON answer (tests check its shape). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * A running API on the real NATS (with a token and a secret key), a client for it, and what the
 * test created, to erase at the end. `extraEnv` adds settings (e.g. EXOTEL_API_BASE_URL).
 */
export interface TestApi {
  api: RunningApi;
  bus: Bus;
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  /** The raw JSON a KV bucket holds under `key` (null when nothing), bypassing the API. */
  raw(bucket: keyof typeof BUCKETS, key: string): Promise<unknown>;
  /** Writes JSON straight into a KV bucket, bypassing the API (e.g. an agent stored before a rule existed). */
  writeRaw(bucket: keyof typeof BUCKETS, key: string, value: unknown): Promise<void>;
  /** Remembers a path to DELETE when the test file ends (numbers before agents and configs: call in that order). */
  created(path: string): void;
  stop(): Promise<void>;
}

export async function startTestApi(extraEnv: Record<string, string> = {}): Promise<TestApi> {
  const token = `tok-${randomUUID()}`;
  const log = createLogger({ service: 'api-test', level: 'silent' });
  const api = await startApi(
    {
      NATS_URL,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      AUDEXLY_API_TOKEN: token,
      AUDEXLY_SECRET_KEY: `key-${randomUUID()}`,
      ...extraEnv,
    },
    log,
  );
  const bus = await connectBus({ servers: NATS_URL, name: 'api-test', log });
  const toDelete: string[] = [];
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`http://127.0.0.1:${api.port}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  };
  return {
    api,
    bus,
    call,
    async raw(bucket, key) {
      const entry = await (await openBucket(bus, BUCKETS[bucket])).get(key);
      return entry && entry.operation === 'PUT' ? entry.json<unknown>() : null;
    },
    async writeRaw(bucket, key, value) {
      await (await openBucket(bus, BUCKETS[bucket])).put(key, JSON.stringify(value));
    },
    created(path) {
      toDelete.push(path);
    },
    async stop() {
      for (const path of toDelete) await call('DELETE', path);
      await api.stop();
      await bus.drain();
    },
  };
}
