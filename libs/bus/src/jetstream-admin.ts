import { jetstreamManager } from '@nats-io/jetstream';
import { AUDIO_STREAM } from './provision.js';
import type { Bus } from './bus.js';

/** What a stream holds right now. */
export interface StreamState {
  name: string;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
}

/** The state of a stream, or null when it does not exist. */
export async function streamState(bus: Bus, name: string): Promise<StreamState | null> {
  const jsm = await jetstreamManager(bus.nc);
  try {
    const { state } = await jsm.streams.info(name);
    return {
      name,
      messages: state.messages,
      bytes: state.bytes,
      firstSeq: state.first_seq,
      lastSeq: state.last_seq,
      consumers: state.consumer_count,
    };
  } catch (err) {
    if (err instanceof Error && /stream not found/i.test(err.message)) return null;
    throw err;
  }
}

/**
 * Erases every message of one call from every stream that captures call subjects (the event log,
 * and any audio capture stream) by the subject filter `call.<id>.>`. Returns
 * how many messages went.
 */
export async function purgeCallMessages(bus: Bus, callId: string): Promise<number> {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(callId)) throw new TypeError(`not a valid call id: ${JSON.stringify(callId)}`);
  const jsm = await jetstreamManager(bus.nc);
  let purged = 0;
  for await (const info of jsm.streams.list()) {
    const captures = (info.config.subjects ?? []).some((s) => s.startsWith('call.') || s === '>');
    if (!captures) continue;
    // `call.<id>.>` covers the three-token families and the four-token audio subjects alike.
    const result = await jsm.streams.purge(info.config.name, { filter: `call.${callId}.>` });
    purged += result.purged;
  }
  return purged;
}

/**
 * Whether the audio capture stream answers within `timeoutMs`: after a NATS restart JetStream
 * reloads its streams, and audio published before that is not captured.
 */
export async function audioCaptureAnswers(bus: Bus, timeoutMs = 500): Promise<boolean> {
  if (!bus.connected) return false;
  try {
    const jsm = await jetstreamManager(bus.nc, { timeout: timeoutMs });
    await jsm.streams.info(AUDIO_STREAM);
    return true;
  } catch {
    return false;
  }
}
