import type { openBucket } from '@audexly/bus';
import type { z } from 'zod';
import type { Logger } from '@audexly/telemetry';

type KV = Awaited<ReturnType<typeof openBucket>>;

const READ_CONCURRENCY = 32;

/** A KV bucket of JSON values that match one schema: values that do not are skipped, with a warning. */
export class JsonBucket<S extends z.ZodType> {
  constructor(
    readonly name: string,
    readonly kv: KV,
    private readonly schema: S,
    private readonly log: Logger,
    /** Which keys hold this schema's values, when the bucket holds other values too. */
    private readonly holds: (key: string) => boolean = () => true,
  ) {}

  /** The value under `key`, or null (absent, deleted, or not valid: the latter is logged). */
  async get(key: string): Promise<z.infer<S> | null> {
    return this.decode(key, await this.kv.get(key));
  }

  private decode(key: string, entry: Awaited<ReturnType<KV['get']>>): z.infer<S> | null {
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return null;
    let json: unknown;
    try {
      json = entry.json();
    } catch {
      this.log.warn({ bucket: this.name, key }, 'skipped a stored value that is not JSON');
      return null;
    }
    const parsed = this.schema.safeParse(json);
    if (parsed.success) return parsed.data;
    this.log.warn(
      { bucket: this.name, key, issues: parsed.error.issues.slice(0, 3) },
      'skipped a stored value that fails its schema',
    );
    return null;
  }

  async put(key: string, value: z.infer<S>): Promise<void> {
    await this.kv.put(key, JSON.stringify(value));
  }

  /** Creates `key` only if it does not exist; false when it does. */
  async create(key: string, value: z.infer<S>): Promise<boolean> {
    try {
      await this.kv.create(key, JSON.stringify(value));
      return true;
    } catch (err) {
      if (await this.get(key)) return false;
      throw err;
    }
  }

  /**
   * Read-modify-write with optimistic concurrency: `change` gets the current value (null when
   * absent) and returns the next one, or null to leave it. Retries when another writer got there first.
   */
  async update(key: string, change: (current: z.infer<S> | null) => z.infer<S> | null): Promise<z.infer<S> | null> {
    for (let attempt = 0; ; attempt++) {
      const entry = await this.kv.get(key);
      const current = this.decode(key, entry);
      const next = change(current);
      if (next === null) return current;
      try {
        if (entry && entry.operation === 'PUT' && entry.value.length > 0)
          await this.kv.update(key, JSON.stringify(next), entry.revision);
        else await this.kv.create(key, JSON.stringify(next));
        return next;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }

  /** Removes `key` and its history. */
  async purge(key: string): Promise<void> {
    await this.kv.purge(key);
  }

  async keys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) if (this.holds(key)) keys.push(key);
    return keys;
  }

  /** Every valid value. */
  async all(): Promise<z.infer<S>[]> {
    const keys = await this.keys();
    const values: z.infer<S>[] = [];
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((key) => this.get(key)));
      for (const value of batch) if (value !== null) values.push(value);
    }
    return values;
  }
}
