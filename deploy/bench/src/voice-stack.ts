/**
 * Starts the six Audexly services for a bench as child processes (`voice-stack-server.js`), one per
 * service by default, against given fake providers; claim subjects unique to the run. Also reads
 * the CPU time of those processes, so a bench can report how loaded the machine was.
 */
import { randomBytes } from 'node:crypto';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SERVICE_NAMES = ['stt', 'llm', 'tts', 'recorder', 'api', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface VoiceStackOptions {
  /** Variables for every service: NATS_URL, provider URLs and keys, … */
  env: Record<string, string>;
  /** `separate` (default): one process per service, as deployed; `single`: all six in one process. */
  layout?: 'separate' | 'single';
  /** Extra node flags for the service processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
  nodeArgs?: string[];
  /** Extra node flags for one service only (e.g. `{ gateway: ['--trace-gc'] }`), after `nodeArgs`. */
  serviceNodeArgs?: Partial<Record<ServiceName, string[]>>;
  /** CPUs the service processes may run on (`taskset` list, e.g. `1`); all of them when absent. */
  cpus?: string;
  /** CPUs for one service instead of `cpus` (e.g. `{ gateway: '1' }` with the others elsewhere). */
  serviceCpus?: Partial<Record<ServiceName, string>>;
  /** A service's scheduling priority (`nice`, −20…19; below 0 needs root), for every thread of its process. */
  niceness?: Partial<Record<ServiceName, number>>;
  /**
   * A service run under the kernel's real-time round-robin policy (`chrt -r`) at this priority
   * (1–99; needs root), for every thread of its process: it runs whenever it is ready, ahead of
   * every normal process on its core.
   */
  realtimePriority?: Partial<Record<ServiceName, number>>;
}

export interface VoiceStack {
  gatewayUrl: string;
  apiUrl: string;
  /** Bearer token of the api. */
  apiToken: string;
  pids: number[];
  /** CPU seconds (user + system) the service processes have used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || 100);

/** utime + stime of a process, in seconds (Linux /proc). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** How a thread shared its CPU (Linux `/proc/<pid>/task/<tid>/schedstat`), cumulative. */
export interface ThreadSchedStat {
  /** Time it ran, ms. */
  onCpuMs: number;
  /** Time it was runnable but waited in a run queue for a CPU, ms. */
  waitingMs: number;
  /** Times it was given a CPU. */
  timeslices: number;
}

/** The scheduler's account of a process's main thread (its event loop, for a Node.js service); null off Linux. */
export function mainThreadSchedStat(pid: number): ThreadSchedStat | null {
  try {
    const [run, wait, slices] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')
      .trim()
      .split(' ')
      .map(Number);
    return { onCpuMs: run! / 1e6, waitingMs: wait! / 1e6, timeslices: slices! };
  } catch {
    return null;
  }
}

/** Sets the nice value of every thread of `pid` (Linux sets it per thread; new threads inherit it). */
function renice(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const done = spawnSync('renice', ['-n', String(nice), '-p', tid]);
    if (done.status !== 0) throw new Error(`renice failed: ${done.stderr?.toString().trim()}`);
  }
}

function scheduleRealtime(pid: number, priority: number): void {
  const done = spawnSync('chrt', ['-a', '-r', '-p', String(priority), String(pid)]);
  if (done.status !== 0) throw new Error(`chrt failed: ${done.stderr?.toString().trim()}`);
}

export async function startVoiceStack(options: VoiceStackOptions): Promise<VoiceStack> {
  const prefix = `bench.${randomBytes(4).toString('hex')}`;
  const apiToken = randomBytes(16).toString('hex');
  const script = fileURLToPath(new URL('./voice-stack-server.js', import.meta.url));
  const groups = options.layout === 'single' ? [SERVICE_NAMES.join(',')] : [...SERVICE_NAMES];
  const children: ChildProcess[] = [];
  const ports: Record<string, number> = {};
  const pids: number[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.send({ type: 'stop' });
          }),
      ),
    );
  };
  try {
    // One at a time, stages first: the gateway's first claims must find every stage.
    for (const services of groups) {
      const env = {
        ...process.env,
        GATEWAY_PORT: '0',
        API_PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
        AUDEXLY_API_TOKEN: apiToken,
        ...options.env,
        BENCH_CLAIM_PREFIX: prefix,
        BENCH_SERVICES: services,
      };
      const child = fork(script, [], {
        env,
        execArgv: [...(options.nodeArgs ?? []), ...(options.serviceNodeArgs?.[services as ServiceName] ?? [])],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      // Pinned before it starts work; threads it creates later inherit the affinity.
      const cpus = options.serviceCpus?.[services as ServiceName] ?? options.cpus;
      if (cpus !== undefined && child.pid !== undefined) {
        const pinned = spawnSync('taskset', ['-a', '-pc', cpus, String(child.pid)]);
        if (pinned.status !== 0) throw new Error(`taskset failed: ${pinned.stderr?.toString().trim()}`);
      }
      const ready = await new Promise<{ pid: number; ports: Record<string, number> }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${services} did not start within 60 s`)), 60_000);
        child.once('message', (msg: { type?: string; pid: number; ports: Record<string, number> }) => {
          clearTimeout(timer);
          if (msg.type === 'ready') resolve(msg);
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${services} exited with ${code} before it was ready`));
        });
      });
      pids.push(ready.pid);
      Object.assign(ports, ready.ports);
      const nice = options.niceness?.[services as ServiceName];
      if (nice !== undefined) renice(ready.pid, nice);
      const realtime = options.realtimePriority?.[services as ServiceName];
      if (realtime) scheduleRealtime(ready.pid, realtime);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  if (ports.gateway === undefined || ports.api === undefined)
    throw new Error('the gateway or the api reported no port');
  return {
    gatewayUrl: `ws://127.0.0.1:${ports.gateway}/api/v1/telephony/exotel/stream`,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    apiToken,
    pids,
    cpuSeconds: () => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0),
    stop: stopAll,
  };
}
