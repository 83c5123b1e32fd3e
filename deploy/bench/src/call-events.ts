/**
 * Reads a finished call's record and event log from the api (`/api/v1/calls/:id`,
 * `/api/v1/calls/:id/events`), waiting for the recorder to write the record.
 */
import { delay, callRecordSchema, type CallRecord } from '@audexly/protocol';

/** An event as the api serves it: the protocol's JSON, loosely typed (benches read a few fields). */
export type LoggedEvent = Record<string, unknown> & { type: string; timelineMs: number };

export interface CallData {
  record: CallRecord;
  events: LoggedEvent[];
}

export async function fetchCallData(
  apiUrl: string,
  token: string,
  callId: string,
  timeoutMs = 20_000,
): Promise<CallData> {
  const headers = { authorization: `Bearer ${token}` };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${apiUrl}/api/v1/calls/${callId}`, { headers });
    if (res.ok) {
      const record = callRecordSchema.parse(await res.json());
      const ev = await fetch(`${apiUrl}/api/v1/calls/${callId}/events`, { headers });
      if (!ev.ok) throw new Error(`events of ${callId}: HTTP ${ev.status}`);
      const { events } = (await ev.json()) as { events: LoggedEvent[] };
      return { record, events };
    }
    if (Date.now() > deadline)
      throw new Error(`no call record for ${callId} after ${timeoutMs} ms (HTTP ${res.status})`);
    await delay(250);
  }
}

/** The first event of a type matching `match`, if any. */
export function findEvent(
  events: readonly LoggedEvent[],
  type: string,
  match: (e: LoggedEvent) => boolean = () => true,
): LoggedEvent | undefined {
  return events.find((e) => e.type === type && match(e));
}

/** A numeric field of an event; null when absent or not a number. */
export function numberField(event: LoggedEvent | undefined, field: string): number | null {
  const v = event?.[field];
  return typeof v === 'number' ? v : null;
}
