import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { formatLine, prefix } from './log-format.js';
import { findNatsServer, HOW_TO_GET_NATS, natsAnswers, startLocalNats } from './nats.js';
import { ROOT, SERVICES, type ServiceSpec } from './services.js';
import { delay } from '@audexly/protocol';

export interface PlatformOptions {
  env: NodeJS.ProcessEnv;
  /** Print service logs (the demo keeps them quieter). */
  echoLogs?: boolean;
  color?: boolean;
}

export interface Platform {
  env: NodeJS.ProcessEnv;
  say(message: string): void;
  /** SIGTERM every service (they drain), then the NATS we started. */
  stop(): Promise<void>;
  /** Resolves when a service process exits on its own (a crash). */
  crashed: Promise<string>;
}

/**
 * Starts NATS if needed (a local `nats-server -js` with data under .data/) and the six services as
 * child processes, with readable output; resolves once every service is ready.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const color = options.color ?? Boolean(process.stdout.isTTY);
  const say = (message: string) => console.log(`${prefix('runner', color)} ${message}`);
  const env = { ...options.env };
  const natsUrl = env.NATS_URL ?? 'nats://127.0.0.1:4222';
  env.NATS_URL = natsUrl;

  for (const spec of SERVICES) {
    if (!existsSync(join(ROOT, spec.entry))) throw new Error(`${spec.entry} is missing: run \`npm run build\` first`);
  }

  let nats: ChildProcess | undefined;
  if (await natsAnswers(natsUrl)) {
    say(`NATS answers at ${natsUrl}`);
  } else {
    const binary = findNatsServer();
    if (!binary) throw new Error(HOW_TO_GET_NATS);
    nats = await startLocalNats(binary, ROOT, natsUrl);
    say(`started ${binary} -js at ${natsUrl} (data in .data/nats)`);
  }

  const missing = ['SARVAM_API_KEY', 'OPENAI_API_KEY'].filter((key) => !env[key]);
  if (missing.length > 0) {
    say(
      `missing ${missing.join(', ')}: the platform starts, but calls cannot transcribe/answer/speak until they are set (or run \`npm run demo\` for fake providers)`,
    );
  }

  const children = new Map<string, ChildProcess>();
  let onCrash: (name: string) => void = () => undefined;
  const crashed = new Promise<string>((resolve) => (onCrash = resolve));
  let stopping = false;

  for (const spec of SERVICES) {
    const child = spawn(process.execPath, ['--enable-source-maps', ...(spec.nodeArgs ?? []), join(ROOT, spec.entry)], {
      cwd: ROOT,
      env: { ...env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C in the terminal reaches only the runner, which then sends
      // each service one SIGTERM, so services drain instead of seeing two signals and exiting.
      detached: true,
    });
    children.set(spec.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (options.echoLogs !== false || /"level":(50|60)/.test(line)) console.log(formatLine(spec.name, line, color));
      });
    }
    child.once('exit', (code, signal) => {
      if (!stopping) {
        say(`${spec.name} exited (${signal ?? `code ${code}`})`);
        onCrash(spec.name);
      }
    });
  }

  const stop = async () => {
    stopping = true;
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    if (nats) {
      nats.kill('SIGTERM');
      say('stopped the local nats-server');
    }
  };

  try {
    await Promise.race([
      waitReady(SERVICES, env),
      crashed.then((name) => Promise.reject(new Error(`${name} failed to start`))),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  for (const spec of SERVICES) say(`${spec.name.padEnd(8)} ready: ${spec.listens(env)}`);
  return { env, say, stop, crashed };
}

async function waitReady(services: ServiceSpec[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    services.map(async (spec) => {
      for (;;) {
        try {
          const res = await fetch(spec.readyUrl(env));
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline)
          throw new Error(`${spec.name} not ready after ${timeoutMs / 1000}s (${spec.readyUrl(env)})`);
        await delay(200);
      }
    }),
  );
}
