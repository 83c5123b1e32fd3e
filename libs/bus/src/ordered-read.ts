import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer } from '@nats-io/jetstream';
import type { Bus } from './bus.js';

export interface OrderedReadOptions {
  /** The one subject (wildcards allowed) to read. */
  filter: string;
  /** Read what was stored from this time on (epoch ms); from the start of the stream without it. */
  sinceMs?: number;
}

/**
 * Reads a stream with an ordered consumer and deletes the consumer once `read` is done. The NATS
 * client leaves an ordered consumer on the server for five minutes after its last use, and a
 * stream's server checks every consumer it holds on every message stored: with a few consumers
 * left per ended call, a busy platform had hundreds, and the server took both cores whenever many
 * calls ended at once.
 *
 * A start time is turned into a stream sequence first ({@link sequenceAt}): an ordered consumer
 * re-creates itself when it misses a heartbeat or a message (a busy machine), and nats.js 3.3
 * re-creates one made with a start time as "from sequence N" while keeping the start time, which
 * the server refuses ("deliver by start sequence, but optional start time is also set"): the read
 * then stalls for good. That lost the api's list of calls in progress under CI's load.
 */
export async function readWithOrderedConsumer<T>(
  bus: Bus,
  stream: string,
  options: OrderedReadOptions,
  read: (consumer: Consumer) => Promise<T>,
): Promise<T> {
  const from = options.sinceMs === undefined ? undefined : await sequenceAt(bus, stream, options.sinceMs);
  const consumer = await jetstream(bus.nc).consumers.get(stream, {
    filter_subjects: options.filter,
    ...(from === undefined
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from }),
  });
  try {
    return await read(consumer);
  } finally {
    await consumer.delete().catch(() => false);
  }
}

/**
 * The sequence of the first message a stream stored at or after `sinceMs` (one past the last if
 * none): the server's own lookup, through a consumer made for the question and deleted at once.
 * It has no filter, so the server does not count matching messages to create it.
 */
export async function sequenceAt(bus: Bus, stream: string, sinceMs: number): Promise<number> {
  const jsm = await jetstreamManager(bus.nc);
  const probe = await jsm.consumers.add(stream, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(sinceMs).toISOString(),
    ack_policy: AckPolicy.None,
    mem_storage: true,
    inactive_threshold: 30e9,
  });
  await jsm.consumers.delete(stream, probe.name).catch(() => false);
  // A new consumer reports the sequence before its first as delivered.
  return probe.delivered.stream_seq + 1;
}
