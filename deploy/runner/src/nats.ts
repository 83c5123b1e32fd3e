import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { delay } from '@audexly/protocol';

/** Whether something accepts TCP connections at the NATS URL's host and port. */
export function natsAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url.split(',')[0]!.trim());
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 4222) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

export function findNatsServer(): string | undefined {
  const fromPath = (process.env.PATH ?? '').split(':').map((dir) => join(dir, 'nats-server'));
  return [...fromPath, ...CANDIDATES].find((candidate) => existsSync(candidate));
}

export const HOW_TO_GET_NATS = [
  'No NATS server answers and no nats-server binary was found. Get one of:',
  '  Debian/Ubuntu:  sudo apt-get install nats-server',
  '  Docker:         docker run -d -p 4222:4222 nats:2.10 -js',
  '  Binary:         https://github.com/nats-io/nats-server/releases (put nats-server on PATH)',
  'then run this again, or point NATS_URL at a server with JetStream enabled.',
].join('\n');

/**
 * Starts a local `nats-server -js` keeping its data under the project (`.data/nats`), and waits
 * until it answers.
 */
export async function startLocalNats(binary: string, root: string, url: string): Promise<ChildProcess> {
  const { hostname, port } = new URL(url.split(',')[0]!.trim());
  const storeDir = join(root, '.data', 'nats');
  mkdirSync(storeDir, { recursive: true });
  const child = spawn(binary, ['-js', '-a', hostname || '127.0.0.1', '-p', port || '4222', '-sd', storeDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    if (await natsAnswers(url, 200)) return child;
    await delay(100);
  }
  child.kill();
  throw new Error('nats-server did not start within 5 s');
}
