import { callRecordSchema, type CallRecord } from '@audexly/protocol';

/** The call record through the api, once the recorder has written it (polls up to `timeoutMs`). */
export async function waitForRecord(apiUrl: string, callId: string, timeoutMs = 15_000): Promise<CallRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${apiUrl}/api/v1/calls/${callId}`);
    if (res.ok) return callRecordSchema.parse(await res.json());
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no call record for ${callId}`);
}
