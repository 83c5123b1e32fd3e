import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@audexly/config';
import { createLogger } from '@audexly/telemetry';
import { stageSchema, startStage } from './run-stage.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * An address of this machine other than 127.0.0.1: a non-loopback interface when there is one,
 * else 127.0.0.2 on Linux (all of 127/8 is local there, but a socket bound to 127.0.0.1 does not
 * answer on it).
 */
function otherLocalAddress(): string | undefined {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
  return external?.address ?? (process.platform === 'linux' ? '127.0.0.2' : undefined);
}

async function answers(host: string, port: number): Promise<boolean> {
  try {
    return (await fetch(`http://${host}:${port}/livez`, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}

async function startWith(env: Record<string, string>) {
  const config = loadConfig(stageSchema(0), {
    NATS_URL,
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    CLAIM_SUBJECT_PREFIX: `ops-host-${randomUUID()}`,
    ...env,
  });
  return startStage(
    { stage: 'llm', config, createHandler: () => () => Promise.resolve() },
    createLogger({ service: 'ops-host-test', level: 'silent' }),
  );
}

const other = otherLocalAddress();

describe.skipIf(other === undefined)(`the stage ops port (probed on ${other ?? 'no other address'})`, () => {
  it('listens on loopback only by default: /livez answers on 127.0.0.1 and not on another address', async () => {
    const stage = await startWith({});
    try {
      expect(await answers('127.0.0.1', stage.opsPort)).toBe(true);
      expect(await answers(other!, stage.opsPort)).toBe(false);
    } finally {
      await stage.stop();
    }
  });

  it('listens on every address when OPS_HOST=0.0.0.0 (what the container images set)', async () => {
    const stage = await startWith({ OPS_HOST: '0.0.0.0' });
    try {
      expect(await answers(other!, stage.opsPort)).toBe(true);
    } finally {
      await stage.stop();
    }
  });
});
