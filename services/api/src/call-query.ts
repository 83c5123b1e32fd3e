import { CALL_STATUSES, DIRECTIONS, toE164, type CallRecord } from '@audexly/protocol';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** A position in the newest-first list: the last call of the previous page. */
export interface CallCursor {
  startedAtMs: number;
  callId: string;
}

/** `GET /api/v1/calls` query, parsed. */
export interface CallQuery {
  limit: number;
  after: CallCursor | null;
  agentId?: string;
  /** E.164; matches the caller or the dialled number. */
  number?: string;
  status?: CallRecord['status'];
  direction?: CallRecord['direction'];
  /** Epoch ms, inclusive. */
  sinceMs?: number;
  /** Epoch ms, exclusive. */
  untilMs?: number;
}

export function encodeCursor(record: Pick<CallRecord, 'startedAt' | 'callId'>): string {
  return Buffer.from(JSON.stringify([Date.parse(record.startedAt), record.callId])).toString('base64url');
}

function decodeCursor(cursor: string): CallCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string')
      return { startedAtMs: value[0], callId: value[1] };
  } catch {
    return undefined;
  }
  return undefined;
}

function one(query: Record<string, unknown>, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function time(value: string | undefined, name: string): number | string | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? `${name} must be an ISO 8601 date or time (e.g. 2025-01-31 or 2025-01-31T10:00:00Z)` : ms;
}

/** Reads the list query; a string says what is wrong. */
export function parseCallQuery(query: Record<string, unknown>): CallQuery | string {
  const limitText = one(query, 'limit');
  const limit = limitText === undefined ? DEFAULT_LIMIT : /^\d{1,9}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) return `limit must be an integer from 1 to ${MAX_LIMIT}`;
  const cursorText = one(query, 'cursor');
  const after = cursorText === undefined ? null : decodeCursor(cursorText);
  if (after === undefined) return 'cursor must be the nextCursor of the previous page, unchanged';
  const result: CallQuery = { limit, after };
  const agentId = one(query, 'agentId');
  if (agentId !== undefined) result.agentId = agentId;
  const number = one(query, 'number');
  if (number !== undefined) {
    const e164 = toE164(number);
    if (!e164)
      return 'number must be a phone number (E.164 like +919876543210, or 0-prefixed national like 09876543210)';
    result.number = e164;
  }
  const status = one(query, 'status');
  if (status !== undefined) {
    if (!(CALL_STATUSES as readonly string[]).includes(status))
      return `status must be one of ${CALL_STATUSES.join(', ')}`;
    result.status = status as CallRecord['status'];
  }
  const direction = one(query, 'direction');
  if (direction !== undefined) {
    if (!(DIRECTIONS as readonly string[]).includes(direction))
      return `direction must be one of ${DIRECTIONS.join(', ')}`;
    result.direction = direction as CallRecord['direction'];
  }
  const since = time(one(query, 'since'), 'since');
  if (typeof since === 'string') return since;
  if (since !== undefined) result.sinceMs = since;
  const until = time(one(query, 'until'), 'until');
  if (typeof until === 'string') return until;
  if (until !== undefined) result.untilMs = until;
  if (since !== undefined && until !== undefined && until <= since) return 'until must be after since';
  return result;
}

/** Newest first; ties by call id. */
export function newestFirst(a: CallRecord, b: CallRecord): number {
  return Date.parse(b.startedAt) - Date.parse(a.startedAt) || a.callId.localeCompare(b.callId);
}

/** Whether a record passes the query's filters (not the cursor). */
export function matchesFilters(record: CallRecord, query: CallQuery): boolean {
  if (query.agentId !== undefined && record.agent.id !== query.agentId) return false;
  if (query.status !== undefined && record.status !== query.status) return false;
  if (query.direction !== undefined && record.direction !== query.direction) return false;
  if (query.number !== undefined && toE164(record.from) !== query.number && toE164(record.to) !== query.number)
    return false;
  const started = Date.parse(record.startedAt);
  if (query.sinceMs !== undefined && started < query.sinceMs) return false;
  if (query.untilMs !== undefined && started >= query.untilMs) return false;
  return true;
}

/** Whether a record comes after the cursor in the newest-first order. */
export function isAfter(record: CallRecord, cursor: CallCursor): boolean {
  const started = Date.parse(record.startedAt);
  return (
    started < cursor.startedAtMs || (started === cursor.startedAtMs && record.callId.localeCompare(cursor.callId) > 0)
  );
}
