/**
 * Exotel's Voice v1 REST API, the one call we place: `POST /v1/Accounts/{sid}/Calls/connect.json`,
 * form-encoded PascalCase fields, HTTP Basic with the API key and token (reference/exotel.md §7).
 */

export interface ExotelAccount {
  /** `https://api.exotel.com`, `https://api.in.exotel.com`, or a fake's URL in tests. */
  baseUrl: string;
  accountSid: string;
  apiKey: string;
  apiToken: string;
}

/** The part of Exotel's `{"Call":{…}}` answer we use. */
export interface ExotelCall {
  Sid: string;
  Status: string;
  [field: string]: unknown;
}

export type ConnectResult =
  | { ok: true; call: ExotelCall }
  /** `status` is Exotel's HTTP status (0 when it did not answer); `message` is Exotel's own when it sent one. */
  | { ok: false; status: number; message: string; retryAfterS: number | null };

/** Fields of a connect request, in Exotel's spelling; arrays repeat the key (`StatusCallbackEvents[]`). */
export type ConnectFields = Record<string, string | readonly string[] | undefined>;

export function connectUrl(account: Pick<ExotelAccount, 'baseUrl' | 'accountSid'>): string {
  return `${account.baseUrl.replace(/\/+$/, '')}/v1/Accounts/${encodeURIComponent(account.accountSid)}/Calls/connect.json`;
}

function formBody(fields: ConnectFields): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'string') form.append(key, value);
    else for (const item of value) form.append(key, item);
  }
  return form;
}

/** Exotel's error text: `{"RestException":{"Message"}}`, else the body (trimmed), else the status line. */
function exotelMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { RestException?: { Message?: unknown }; message?: unknown };
    const message = body.RestException?.Message ?? body.message;
    if (typeof message === 'string' && message !== '') return message;
  } catch {
    // not JSON: use the text
  }
  const trimmed = text
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  return trimmed === '' ? `HTTP ${status}` : trimmed;
}

/** Places a call. Never throws for Exotel's answers or a network failure: the result says what happened. */
export async function connectCall(
  account: ExotelAccount,
  fields: ConnectFields,
  timeoutMs: number,
): Promise<ConnectResult> {
  let res: Response;
  try {
    res = await fetch(connectUrl(account), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${account.apiKey}:${account.apiToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: formBody(fields),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return {
      ok: false,
      status: 0,
      message: timedOut
        ? `Exotel did not answer within ${timeoutMs} ms`
        : `Exotel could not be reached (${err instanceof Error ? err.message : String(err)})`,
      retryAfterS: null,
    };
  }
  const text = await res.text();
  if (!res.ok) {
    const retry = Number(res.headers.get('retry-after'));
    return {
      ok: false,
      status: res.status,
      message: exotelMessage(res.status, text),
      retryAfterS: Number.isFinite(retry) && retry > 0 ? retry : null,
    };
  }
  try {
    const body = JSON.parse(text) as { Call?: Partial<ExotelCall> };
    if (body.Call && typeof body.Call.Sid === 'string' && body.Call.Sid !== '')
      return {
        ok: true,
        call: {
          ...body.Call,
          Sid: body.Call.Sid,
          Status: typeof body.Call.Status === 'string' ? body.Call.Status : 'queued',
        },
      };
  } catch {
    // fall through
  }
  return { ok: false, status: res.status, message: 'Exotel answered without a Call Sid', retryAfterS: null };
}
