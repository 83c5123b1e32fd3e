import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { parseCallSubject, subjects } from '@audexly/protocol';
import { toAudioMessage, type AudioMessage, type Bus } from './bus.js';
import { readWithOrderedConsumer } from './ordered-read.js';
import { AUDIO_STREAM } from './provision.js';

export interface ReadCallAudioOptions {
  /** Give up after this long and return what was read (`complete: false`). */
  timeoutMs?: number;
}

/** One call's captured audio, each side in the order the server stored it. */
export interface CapturedAudio {
  /** `call.<id>.audio.in`. */
  caller: AudioMessage[];
  /** `call.<id>.audio.sent`. */
  agent: AudioMessage[];
  /** False when reading timed out: the capture may miss the end of the call. */
  complete: boolean;
}

/**
 * Reads one call's audio from the capture stream (`CALL_AUDIO`) completely. Call it after
 * `call.ended`. It first publishes the call's fence ({@link subjects.audioFence}) and waits for
 * the stream to acknowledge it: a stream stores messages in the order its server received them,
 * the gateway published its audio before `call.ended`, and we publish the fence after receiving
 * `call.ended`, so once the fence is stored every chunk of the call is stored too. Then it reads
 * each side with an ordered consumer (one filter subject per consumer, as NATS 2.9 allows; 2.9
 * also wants the filter to be a subset of one stream subject, so not `call.<id>.audio.*`) from the
 * start to the end of what is stored.
 *
 * Following each call's audio live from its claim instead was tried: at 100 calls it cost more
 * (a consumer per live call on the stream, every chunk delivered twice, the recorder's memory
 * growing with the call-minutes in progress): voice to voice p95 1873 ms against 1401 ms.
 */
export async function readCallAudio(
  bus: Bus,
  callId: string,
  options: ReadCallAudioOptions = {},
): Promise<CapturedAudio> {
  const fence = await jetstream(bus.nc).publish(subjects.audioFence(callId), new Uint8Array(0));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const caller = await readSide(bus, subjects.audioIn(callId), fence.seq, deadline);
  const agent = await readSide(bus, subjects.audioSent(callId), fence.seq, deadline);
  const complete = caller.complete && agent.complete;
  if (!complete) bus.log.warn({ callId }, 'reading the captured audio timed out; using what was read');
  return { caller: caller.messages, agent: agent.messages, complete };
}

/** One side of the call, up to the fence, with one `consume()` (fetch() re-creates an ordered consumer per batch). */
function readSide(
  bus: Bus,
  subject: string,
  fenceSeq: number,
  deadline: number,
): Promise<{ messages: AudioMessage[]; complete: boolean }> {
  return readWithOrderedConsumer(bus, AUDIO_STREAM, { filter: subject }, async (consumer) => {
    const messages: AudioMessage[] = [];
    // The info the consumer was created with: asking the server again before consume() left the
    // ordered consumer delivering nothing in about half of the reads here (nats.js 3.3).
    if ((await consumer.info(true)).num_pending === 0) return { messages, complete: true };
    const stream = await consumer.consume({ max_messages: 1000 });
    let complete = false;
    const timer = setTimeout(() => stream.stop(), Math.max(0, deadline - Date.now()));
    try {
      for await (const msg of stream) {
        if (msg.seq > fenceSeq) {
          complete = true;
          break;
        }
        messages.push(toAudioMessage(msg));
        if (msg.info.pending === 0) {
          complete = true;
          break;
        }
      }
    } finally {
      clearTimeout(timer);
      await stream.close();
    }
    return { messages, complete };
  });
}

/** Deletes one call's audio (and fences) from the capture stream: once its recording is stored. */
export async function purgeCallAudio(bus: Bus, callId: string): Promise<number> {
  const jsm = await jetstreamManager(bus.nc);
  const { purged } = await jsm.streams.purge(AUDIO_STREAM, { filter: subjects.callAudio(callId) });
  return purged;
}

/** The calls that have audio in the capture stream (recorded but not yet purged). */
export async function callsWithCapturedAudio(bus: Bus): Promise<string[]> {
  const jsm = await jetstreamManager(bus.nc);
  const info = await jsm.streams.info(AUDIO_STREAM, { subjects_filter: '>' });
  const ids = new Set<string>();
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const callId = parseCallSubject(subject)?.callId;
    if (callId) ids.add(callId);
  }
  return [...ids];
}
