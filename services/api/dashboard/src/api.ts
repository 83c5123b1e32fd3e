/**
 * The dashboard's only way to the api: `/api/v1/...` on the same origin, with the bearer token the
 * operator entered (kept in localStorage) when the api asks for one.
 */

import type { FieldProblem } from '@audexly/protocol/api';

const TOKEN_KEY = 'audexly.apiToken';

/**
 * An api answer that was not 2xx, with the api's `{ error: { code, message } }` when it sent one,
 * and for a 422 each wrong field (`problems`), to show beside the field.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const authListeners = new Set<Listener>();

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token === null) localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, token);
}

/** Called whenever the api answers 401: the app then asks for a token. */
export function onUnauthorized(listener: Listener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = getToken();
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

async function failure(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`.trim();
  let problems: FieldProblem[] = [];
  try {
    const body = (await res.json()) as {
      error?: { code?: string; message?: string; problems?: unknown };
      message?: string;
    };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    else if (body.message) message = body.message;
    problems = fieldProblems(body.error?.problems);
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401) for (const listener of authListeners) listener();
  return new ApiError(res.status, code, message, problems);
}

/** The `problems` of an error body, keeping only well-formed entries. */
function fieldProblems(value: unknown): FieldProblem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (p): p is FieldProblem =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as FieldProblem).path === 'string' &&
      typeof (p as FieldProblem).message === 'string',
  );
}

/** Sends a request and returns the parsed JSON (undefined for 204). */
export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = {
    method,
    headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal) init.signal = signal;
  const res = await fetch(path, init);
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** Checks a token against the api before keeping it. */
export async function tryToken(token: string): Promise<boolean> {
  const res = await fetch('/api/v1/calls?limit=1', { headers: { authorization: `Bearer ${token}` } });
  return res.ok;
}

/**
 * A URL the `<audio>` element can play. With no token the recording streams straight from the api
 * (range requests, instant seeking); with a token the element cannot send the header, so the WAV
 * is fetched once and played from memory.
 */
export async function recordingUrl(callId: string, signal: AbortSignal): Promise<{ url: string; revoke: () => void }> {
  const path = `/api/v1/calls/${encodeURIComponent(callId)}/recording`;
  if (!getToken()) return { url: path, revoke: () => undefined };
  const res = await fetch(path, { headers: headers(), signal });
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  return { url, revoke: () => URL.revokeObjectURL(url) };
}

/** The array in a list answer, whether the api sends it bare or as `{ <key>: [...] }`. */
export function listOf<T>(body: unknown, ...keys: string[]): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of [...keys, 'items', 'data']) if (Array.isArray(record[key])) return record[key] as T[];
  }
  return [];
}
