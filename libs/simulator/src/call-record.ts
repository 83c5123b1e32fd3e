import { delay } from '@audexly/protocol';

/** A call record as the API serves it (`GET /api/v1/calls/<callId>`); only what the CLI prints. */
export interface CallRecordView {
  transcript: { role: string; text: string }[];
}

export interface FetchRecordOptions {
  api: string;
  callId: string;
  /** `Authorization: Bearer` token (AUDEXLY_API_TOKEN). */
  token?: string;
  /** Keep asking until the record exists, at most this long (default 10 s). */
  waitMs?: number;
}

/** Whether the API answers at all. */
export async function apiReachable(api: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/v1/health', api), { signal: AbortSignal.timeout(2000) });
    return res.status < 500 || res.status === 503;
  } catch {
    return false;
  }
}

/** Fetches the call record, retrying while the recorder is still writing it. Null if it never came. */
export async function fetchCallRecord(options: FetchRecordOptions): Promise<CallRecordView | null> {
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  for (;;) {
    try {
      const res = await fetch(new URL(`/api/v1/calls/${encodeURIComponent(options.callId)}`, options.api), {
        headers,
        signal: AbortSignal.timeout(3000),
      });
      if (res.ok) {
        const body = (await res.json()) as Record<string, unknown>;
        const record = (body.record ?? body) as { transcript?: unknown };
        const transcript = Array.isArray(record.transcript)
          ? (record.transcript as Record<string, unknown>[]).map((e) => ({
              role: typeof e.role === 'string' ? e.role : '?',
              text: typeof e.text === 'string' ? e.text : '',
            }))
          : [];
        return { transcript };
      }
      if (res.status === 401 || res.status === 403)
        throw new Error(`the API refused the request (HTTP ${res.status}); set AUDEXLY_API_TOKEN`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('the API refused')) throw err;
    }
    if (Date.now() > deadline) return null;
    await delay(500);
  }
}
