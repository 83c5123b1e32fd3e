/**
 * The gateway under test for `gateway-capacity.ts`, in its own process so its CPU can be measured
 * alone: startGateway with claim subjects unique to the benchmark (BENCH_CLAIM_PREFIX), reporting
 * its port to the parent over IPC and draining on the parent's `stop`.
 */
import { startGateway } from '@audexly/gateway';
import { createLogger } from '@audexly/telemetry';

const prefix = process.env.BENCH_CLAIM_PREFIX;
if (!prefix || !process.send)
  throw new Error('run by gateway-capacity.js (needs BENCH_CLAIM_PREFIX and an IPC channel)');
const log = createLogger({ service: 'bench-gateway', level: process.env.LOG_LEVEL ?? 'warn' });
const gateway = await startGateway(process.env, log, { claimSubject: (stage) => `${prefix}.${stage}` });
process.send({ type: 'ready', port: gateway.port, pid: process.pid });
process.on('message', (msg: { type?: string }) => {
  if (msg.type !== 'stop') return;
  gateway.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, 'stop failed');
      process.exit(1);
    },
  );
});
