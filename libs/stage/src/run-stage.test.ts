import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@audexly/telemetry';
import { startOwnedNats, type OwnedNats } from '@audexly/testing';
import { startStage, stageSchema, type RunningStage } from './run-stage.js';

let nats: OwnedNats | undefined;
let stage: RunningStage | undefined;
afterEach(async () => {
  await stage?.stop();
  await nats?.stop();
  stage = undefined;
  nats = undefined;
});

describe('a stage while NATS is down', () => {
  it('is not ready (it cannot work) but stays alive, and is ready again once NATS is back', async () => {
    nats = await startOwnedNats();
    const config = Object.freeze(
      stageSchema(0).parse({
        NATS_URL: nats.url,
        METRICS_PORT: '0',
        DRAIN_TIMEOUT_MS: '1000',
        CLAIM_SUBJECT_PREFIX: 'ready-test',
      }),
    );
    stage = await startStage(
      { stage: 'llm', config, createHandler: () => () => Promise.resolve() },
      createLogger({ service: 'test', level: 'silent' }),
    );
    const status = async (path: string) => (await fetch(`http://127.0.0.1:${stage!.opsPort}${path}`)).status;
    expect(await status('/readyz')).toBe(200);
    await nats.kill('SIGKILL');
    await vi.waitFor(async () => expect(await status('/readyz')).toBe(503), { timeout: 3000, interval: 50 });
    expect(await status('/livez')).toBe(200);
    await nats.restart();
    await vi.waitFor(async () => expect(await status('/readyz')).toBe(200), { timeout: 5000, interval: 50 });
  });
});

describe('a stage stopping', () => {
  it('stops the work its handler registered (a sweep) before it drains, once', async () => {
    const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
    const config = Object.freeze(
      stageSchema(0).parse({
        NATS_URL,
        METRICS_PORT: '0',
        DRAIN_TIMEOUT_MS: '1000',
        CLAIM_SUBJECT_PREFIX: `stop-test-${process.pid}`,
      }),
    );
    const order: string[] = [];
    stage = await startStage(
      {
        stage: 'recorder',
        config,
        createHandler: ({ onStop }) => {
          onStop(() => {
            order.push(
              `sweep stopped, ${stage!.runtime.activeCalls} calls, bus ${stage!.bus.connected ? 'open' : 'closed'}`,
            );
            return Promise.resolve();
          });
          return () => Promise.resolve();
        },
      },
      createLogger({ service: 'test', level: 'silent' }),
    );
    const running = stage;
    await Promise.all([running.stop(), running.stop()]);
    expect(order).toEqual(['sweep stopped, 0 calls, bus open']);
    expect(running.bus.connected).toBe(false);
  });
});
