/**
 * Which agent answers a call: the dialled number (`start.to`, or the dynamic-URL request's
 * `CallTo`/`To`) → KV `numbers` (key `numberKey(toE164(to))`, value `{agentId, …}`) → KV `agents`
 * (AgentConfig JSON, validated with `agentConfigSchema`). Anything missing or invalid falls back to
 * the default agent. Lookups are cached briefly: Exotel gives a bot ~10 s, and a greeting must
 * start within a few hundred ms of `start`.
 */
import { agentConfigSchema, numberKey, toE164, type AgentConfig } from '@audexly/protocol';
import { BUCKETS, openBucket, type Bus } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';

type KV = Awaited<ReturnType<typeof openBucket>>;

export interface AgentChoice {
  agent: AgentConfig;
  /** `number` when a stored agent was found (by dialled number or by id), else `default`. */
  source: 'number' | 'default';
}

interface Cached {
  at: number;
  choice: Promise<AgentChoice>;
}

/** Resolves agents by dialled number; never throws (the default agent is the answer to any failure). */
export class AgentDirectory {
  private readonly cache = new Map<string, Cached>();
  private buckets: Promise<{ numbers: KV; agents: KV }> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly fallback: AgentConfig,
    private readonly log: Logger,
    private readonly cacheMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  get defaultAgent(): AgentConfig {
    return this.fallback;
  }

  forNumber(dialled: string): Promise<AgentChoice> {
    const e164 = toE164(dialled);
    if (!e164) return Promise.resolve({ agent: this.fallback, source: 'default' });
    const key = numberKey(e164);
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.cacheMs) return hit.choice;
    const choice = this.lookup(key);
    this.cache.set(key, { at: this.now(), choice });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return choice;
  }

  /** The stored agent `agentId` (outbound calls name their agent in the stream token). */
  forAgentId(agentId: string): Promise<AgentChoice> {
    const key = `id:${agentId}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.cacheMs) return hit.choice;
    const choice = this.lookupAgent(agentId, key);
    this.cache.set(key, { at: this.now(), choice });
    return choice;
  }

  private async lookupAgent(agentId: string, cacheKey: string): Promise<AgentChoice> {
    try {
      const { agents } = await this.open();
      return await this.agentById(agents, agentId);
    } catch (err) {
      this.log.warn({ err }, 'agent lookup failed; using the default agent');
      this.cache.delete(cacheKey);
      this.buckets = undefined;
      return { agent: this.fallback, source: 'default' };
    }
  }

  private open(): Promise<{ numbers: KV; agents: KV }> {
    this.buckets ??= Promise.all([openBucket(this.bus, BUCKETS.numbers), openBucket(this.bus, BUCKETS.agents)]).then(
      ([numbers, agents]) => ({ numbers, agents }),
    );
    return this.buckets;
  }

  private async agentById(agents: KV, agentId: string): Promise<AgentChoice> {
    const agentEntry = await agents.get(agentId);
    if (!agentEntry || agentEntry.operation !== 'PUT') {
      this.log.warn({ agentId }, 'agent does not exist; using the default agent');
      return { agent: this.fallback, source: 'default' };
    }
    const parsed = agentConfigSchema.safeParse(agentEntry.json());
    if (!parsed.success) {
      this.log.warn(
        { agentId, issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) },
        'stored agent is invalid; using the default agent',
      );
      return { agent: this.fallback, source: 'default' };
    }
    return { agent: parsed.data, source: 'number' };
  }

  private async lookup(key: string): Promise<AgentChoice> {
    try {
      const { numbers, agents } = await this.open();
      const entry = await numbers.get(key);
      if (!entry || entry.operation !== 'PUT') return { agent: this.fallback, source: 'default' };
      const mapping = entry.json<{ agentId?: unknown }>();
      if (typeof mapping.agentId !== 'string' || mapping.agentId === '')
        return { agent: this.fallback, source: 'default' };
      return await this.agentById(agents, mapping.agentId);
    } catch (err) {
      this.log.warn({ err }, 'agent lookup failed; using the default agent');
      this.cache.delete(key);
      this.buckets = undefined;
      return { agent: this.fallback, source: 'default' };
    }
  }
}
