/**
 * Stage instances as child processes (`node services/<stage>/dist/main.js`), several per stage, on
 * claim subjects of their own (`CLAIM_SUBJECT_PREFIX`), with their heartbeats followed: who is up,
 * and which instance holds which call. For failover tests and benchmarks, which kill instances.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { delay, type Stage, type StageHeartbeat } from '@audexly/protocol';
import type { Bus, BusSubscription } from '@audexly/bus';

/** The repository root, from src/ or dist/ of deploy/bench. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface StageInstance {
  stage: Stage;
  instanceId: string;
  child: ChildProcess;
  /** Last lines of its output (for a failing run's report). */
  output: string[];
}

export interface StageClusterOptions {
  bus: Bus;
  /** Variables every instance gets (NATS_URL, provider keys and URLs, CLAIM_SUBJECT_PREFIX, …). */
  env: NodeJS.ProcessEnv;
  stages: readonly Stage[];
  perStage: number;
  /** Instance ids are `<idPrefix>-<stage>-<n>`. */
  idPrefix: string;
  /** How long instances get to come up (default 30 s; a loaded machine needs more). */
  readyTimeoutMs?: number;
}

const OUTPUT_LINES = 200;

export class StageCluster {
  readonly instances = new Map<string, StageInstance>();
  private readonly beats = new Map<string, { stage: Stage; calls: Set<string>; at: number }>();
  /** Output of instances that exited (drained or killed). */
  private readonly gone = new Map<string, string[]>();
  private readonly sub: BusSubscription<StageHeartbeat>;
  /** Reads the heartbeats until `stop` unsubscribes. */
  private readonly following: Promise<void>;
  private next = 0;
  private stopped = false;

  private constructor(private readonly options: StageClusterOptions) {
    this.sub = options.bus.subscribeHeartbeats();
    this.following = this.follow();
  }

  private async follow(): Promise<void> {
    for await (const beat of this.sub) {
      if (this.instances.has(beat.instanceId))
        this.beats.set(beat.instanceId, { stage: beat.stage, calls: new Set(beat.calls), at: Date.now() });
    }
  }

  /** Starts `perStage` instances of each stage and resolves once each of them has heartbeated. */
  static async start(options: StageClusterOptions): Promise<StageCluster> {
    for (const stage of options.stages) {
      const entry = join(ROOT, `services/${stage}/dist/main.js`);
      if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npx tsc -b tsconfig.build.json)`);
    }
    const cluster = new StageCluster(options);
    for (const stage of options.stages) for (let i = 0; i < options.perStage; i++) cluster.spawn(stage);
    try {
      await cluster.ready();
    } catch (err) {
      // Leave no instance behind when the cluster could not start.
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts one more instance of `stage`; resolves with its id once it has heartbeated. */
  async add(stage: Stage): Promise<string> {
    const id = this.spawn(stage);
    await this.ready([id]);
    return id;
  }

  /** The instance of `stage` whose latest heartbeat lists the call. */
  holderOf(callId: string, stage: Stage): string | undefined {
    for (const [id, beat] of this.beats)
      if (beat.stage === stage && beat.calls.has(callId) && this.alive(id)) return id;
    return undefined;
  }

  /** Every call some live instance lists in its latest heartbeat. */
  heldCalls(): string[] {
    const calls = new Set<string>();
    for (const [id, beat] of this.beats) if (this.alive(id)) for (const call of beat.calls) calls.add(call);
    return [...calls];
  }

  /** Waits until some instance of `stage` heartbeats holding the call. */
  async waitForHolder(callId: string, stage: Stage, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const id = this.holderOf(callId, stage);
      if (id) return id;
      if (Date.now() > deadline) throw new Error(`no ${stage} instance holds ${callId}`);
      await delay(25);
    }
  }

  /**
   * SIGTERMs an instance (it drains: live calls until its `DRAIN_TIMEOUT_MS`, then released to other
   * instances); resolves once it has exited, with when it was signalled and when it exited (epoch ms).
   */
  async drain(instanceId: string): Promise<{ signalledAt: number; exitedAt: number; code: number | null }> {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new Error(`unknown instance ${instanceId}`);
    const exited = new Promise<{ exitedAt: number; code: number | null }>((resolve) =>
      instance.child.once('exit', (code) => resolve({ exitedAt: Date.now(), code })),
    );
    const signalledAt = Date.now();
    instance.child.kill('SIGTERM');
    const { exitedAt, code } = await exited;
    this.forget(instanceId);
    return { signalledAt, exitedAt, code };
  }

  /** The last lines an instance wrote, also after it exited (for a failing run). */
  outputOf(instanceId: string): string[] {
    return this.instances.get(instanceId)?.output ?? this.gone.get(instanceId) ?? [];
  }

  /** SIGKILLs an instance (as a crash would); resolves with the epoch ms of the kill, once it is gone. */
  async kill(instanceId: string): Promise<number> {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new Error(`unknown instance ${instanceId}`);
    const exited = new Promise<void>((resolve) => instance.child.once('exit', () => resolve()));
    const at = Date.now();
    instance.child.kill('SIGKILL');
    await exited;
    this.forget(instanceId);
    return at;
  }

  /** The last lines every instance wrote (for a failing run). */
  output(): string {
    return [...this.instances.values()].map((i) => `--- ${i.instanceId}\n${i.output.join('\n')}`).join('\n');
  }

  /** SIGTERMs every instance (they drain) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sub.unsubscribe();
    await this.following;
    await Promise.all(
      [...this.instances.values()].map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    this.instances.clear();
  }

  private forget(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (instance) this.gone.set(instanceId, instance.output);
    this.instances.delete(instanceId);
    this.beats.delete(instanceId);
  }

  private alive(id: string): boolean {
    const child = this.instances.get(id)?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  private spawn(stage: Stage): string {
    // An instance started after stop() would outlive the test that started it.
    if (this.stopped) throw new Error(`the cluster is stopped: not starting another ${stage} instance`);
    const instanceId = `${this.options.idPrefix}-${stage}-${this.next++}`;
    const child = spawn(process.execPath, [join(ROOT, `services/${stage}/dist/main.js`)], {
      cwd: ROOT,
      env: {
        ...this.options.env,
        INSTANCE_ID: instanceId,
        METRICS_PORT: '0',
        DRAIN_TIMEOUT_MS: this.options.env.DRAIN_TIMEOUT_MS ?? '2000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance: StageInstance = { stage, instanceId, child, output: [] };
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        instance.output.push(...chunk.split('\n').filter((l) => l.length > 0));
        if (instance.output.length > OUTPUT_LINES) instance.output.splice(0, instance.output.length - OUTPUT_LINES);
      });
    }
    this.instances.set(instanceId, instance);
    return instanceId;
  }

  private async ready(
    ids: readonly string[] = [...this.instances.keys()],
    timeoutMs = this.options.readyTimeoutMs ?? 30_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = ids.find((id) => !this.alive(id));
      if (dead) throw new Error(`${dead} exited while starting:\n${this.instances.get(dead)?.output.join('\n') ?? ''}`);
      if (ids.every((id) => this.beats.has(id))) return;
      if (Date.now() > deadline)
        throw new Error(
          `instances not up after ${timeoutMs} ms: ${ids.filter((id) => !this.beats.has(id)).join(', ')}`,
        );
      await delay(50);
    }
  }
}
