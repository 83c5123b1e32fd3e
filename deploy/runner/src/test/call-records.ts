import { parseWav } from '@audexly/audio';
import { delay, callRecordSchema, type CallRecord } from '@audexly/protocol';

/** The call record through the api, once the recorder has written it (polls up to `timeoutMs`). */
export async function waitForRecord(apiUrl: string, callId: string, timeoutMs = 15_000): Promise<CallRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${apiUrl}/api/v1/calls/${callId}`);
    if (res.ok) return callRecordSchema.parse(await res.json());
    await delay(250);
  }
  throw new Error(`no call record for ${callId}`);
}

/** The caller's channel (left) of a stereo recording: 16-bit PCM. */
export function callerChannel(wav: Buffer): Buffer {
  const { pcm } = parseWav(wav);
  const left = Buffer.alloc(pcm.byteLength / 2);
  for (let i = 0; i < left.byteLength; i += 2) left.writeInt16LE(pcm.readInt16LE(i * 2), i);
  return left;
}

/** Whether the caller's channel of a stereo recording holds `spoken` sample for sample. */
export function holdsCallerAudio(wav: Buffer, spoken: Buffer): boolean {
  return callerChannel(wav).indexOf(spoken.subarray(0, spoken.byteLength & ~1)) >= 0;
}
