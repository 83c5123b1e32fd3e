import type { RecordingStore } from '@audexly/storage';
import type { Logger } from '@audexly/telemetry';

/**
 * Deletes every recording stored more than `maxAgeMs` before `now`; returns how many. For stores
 * that do not expire objects themselves (S3 without a lifecycle rule). Safe to run from several
 * instances at once: deleting what another just deleted is not an error.
 */
export async function sweepExpiredRecordings(
  store: RecordingStore,
  maxAgeMs: number,
  now = Date.now(),
): Promise<number> {
  const expired: string[] = [];
  for await (const entry of store.list()) if (now - entry.storedAt.getTime() > maxAgeMs) expired.push(entry.key);
  for (const key of expired) await store.delete(key);
  return expired.length;
}

export interface RetentionSweep {
  stop(): Promise<void>;
}

/** Runs {@link sweepExpiredRecordings} now and every `intervalMs`, one run at a time, until stopped. */
export function startRetentionSweep(
  store: RecordingStore,
  options: { maxAgeMs: number; intervalMs: number; log: Logger },
): RetentionSweep {
  let running: Promise<void> = Promise.resolve();
  const sweep = () => {
    running = running.then(async () => {
      try {
        const deleted = await sweepExpiredRecordings(store, options.maxAgeMs);
        if (deleted > 0) options.log.info({ deleted }, 'expired recordings deleted');
      } catch (err) {
        options.log.warn({ err }, 'the retention sweep failed; it runs again at the next interval');
      }
    });
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
