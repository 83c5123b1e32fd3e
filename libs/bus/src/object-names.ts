import { jetstreamManager } from '@nats-io/jetstream';
import type { Bus } from './bus.js';

/**
 * The names of every object a JetStream object store (`bucket`) has held, deleted ones included
 * (a deleted object keeps its metadata message, marked deleted): from the stream's per-subject
 * index, in one request (paged by the client past the server's page size), no consumer made.
 *
 * nats.js 3.3's `ObjectStore.list()` reads the metadata with a push consumer and stops after as
 * many messages as the server said were pending when it began; when that count is off (objects
 * written or deleted meanwhile by another process, on a store of several GB) it waits for the
 * consumer's 30 s heartbeat instead. A CI run timed out on exactly that.
 */
export async function objectNames(bus: Bus, bucket: string): Promise<string[]> {
  const jsm = await jetstreamManager(bus.nc);
  const metaPrefix = `$O.${bucket}.M.`;
  const info = await jsm.streams.info(`OBJ_${bucket}`, { subjects_filter: `${metaPrefix}>` });
  // Each object's metadata subject ends in its name, base64url-encoded with padding by nats.js's
  // `btoa`, one byte per character: names are Latin-1 (it refuses others).
  return Object.keys(info.state.subjects ?? {}).map((subject) =>
    Buffer.from(subject.slice(metaPrefix.length), 'base64url').toString('latin1'),
  );
}
