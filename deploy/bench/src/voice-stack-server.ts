/**
 * Audexly services for the turn-overhead and barge-in benches, in a process of their own (one per
 * service by default, as in production), forked by `voice-stack.ts`. Claims go to subjects unique to
 * the bench run (BENCH_CLAIM_PREFIX), so services elsewhere on the same NATS never take its calls.
 * Reports the HTTP ports to the parent over IPC and drains on the parent's `stop`.
 *
 * Each service's package is imported only by the process that runs it, as in its own image: a
 * gateway that also loaded the providers' SDKs and the api would carry their code and heap, and
 * its garbage collector would mark all of it (a pause the deployed gateway does not have).
 */
import { createLogger } from '@audexly/telemetry';

interface Running {
  stop(): Promise<void>;
  port?: number;
}

const prefix = process.env.BENCH_CLAIM_PREFIX;
const names = (process.env.BENCH_SERVICES ?? '').split(',').filter((n) => n !== '');
if (!prefix || !process.send || names.length === 0)
  throw new Error('run by voice-stack.js (needs BENCH_CLAIM_PREFIX, BENCH_SERVICES and an IPC channel)');
const log = createLogger({ service: `bench-${names.join('+')}`, level: process.env.LOG_LEVEL ?? 'warn' });
const claimSubject = (stage: string): string => `${prefix}.${stage}`;

async function start(name: string): Promise<Running> {
  const env = process.env;
  switch (name) {
    case 'gateway':
      return (await import('@audexly/gateway')).startGateway(env, log, { claimSubject });
    case 'stt':
      return (await import('@audexly/stt')).startSttService(env, log, { claimSubject: claimSubject('stt') });
    case 'llm':
      return (await import('@audexly/llm')).startLlmService(env, log, { claimSubject: claimSubject('llm') });
    case 'tts':
      return (await import('@audexly/tts')).startTtsService(env, log, { claimSubject: claimSubject('tts') });
    case 'recorder':
      return (await import('@audexly/recorder')).startRecorderService(env, log, {
        claimSubject: claimSubject('recorder'),
      });
    case 'api':
      return (await import('@audexly/api')).startApi(env, log);
    default:
      throw new Error(`unknown service ${name}`);
  }
}

const running: Array<[string, Running]> = [];
// Stages first, so the gateway's first claims find them.
for (const name of names) running.push([name, await start(name)]);
process.send({
  type: 'ready',
  pid: process.pid,
  ports: Object.fromEntries(running.flatMap(([n, r]) => (r.port === undefined ? [] : [[n, r.port]]))),
});
process.on('message', (msg: { type?: string }) => {
  if (msg.type !== 'stop') return;
  const stopAll = async (): Promise<void> => {
    for (const [, r] of [...running].reverse()) await r.stop();
  };
  stopAll().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, 'stop failed');
      process.exit(1);
    },
  );
});
