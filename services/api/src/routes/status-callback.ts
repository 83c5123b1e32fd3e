import type { FastifyInstance } from 'fastify';
import { openCapability, toCallId } from '@audexly/protocol';
import { sendError } from '../api-error.js';
import { errorDoc } from '../openapi.js';
import type { OutboundCall } from '../outbound-call.js';
import type { StateBuckets } from '../state-buckets.js';
import { STATUS_CALLBACK_PATH } from './outbound.js';

/** Callbacks kept per outbound call. */
const MAX_CALLBACKS = 20;
const TERMINAL = new Set(['completed', 'failed', 'busy', 'no-answer', 'canceled']);

/** Form bodies (`a=1&b=2`, Exotel's default) parse to an object; `Legs[0][Status]` keys become nested. */
export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const legs = /^Legs\[(\d+)\]\[(\w+)\]$/.exec(key);
    if (legs) {
      const list = (Array.isArray(out.Legs) ? out.Legs : (out.Legs = [])) as Record<string, string>[];
      const index = Number(legs[1]);
      list[index] = { ...(list[index] ?? {}), [legs[2]!]: value };
    } else {
      out[key] = value;
    }
  }
  return out;
}

function text(body: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = body[key];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return null;
}

/** Exotel's `YYYY-MM-DD HH:mm:ss` (IST) or ISO → ISO; null when unreadable. */
function exotelTime(value: string | null): string | null {
  if (!value) return null;
  const local = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  const ms = local ? Date.parse(`${local[1]}T${local[2]}+05:30`) : Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Applies one callback to an outbound entry. */
export function applyCallback(entry: OutboundCall, body: Record<string, unknown>, now: string): OutboundCall {
  const eventType = text(body, 'EventType', 'event_type');
  const status = text(body, 'Status', 'CallStatus', 'status');
  const dateUpdated = text(body, 'DateUpdated');
  const duration = Number(text(body, 'ConversationDuration', 'Duration'));
  const legs =
    typeof body.Legs === 'string'
      ? safeJsonArray(body.Legs)
      : Array.isArray(body.Legs)
        ? (body.Legs as unknown[])
        : null;
  const answered = eventType === 'answered';
  const terminal = eventType === 'terminal' || (status !== null && TERMINAL.has(status));
  return {
    ...entry,
    status: status ?? (answered ? 'in-progress' : entry.status),
    updatedAt: now,
    answeredAt: answered ? (entry.answeredAt ?? exotelTime(dateUpdated) ?? now) : entry.answeredAt,
    endedAt: terminal ? (exotelTime(text(body, 'EndTime')) ?? exotelTime(dateUpdated) ?? now) : entry.endedAt,
    conversationDurationS:
      Number.isFinite(duration) && text(body, 'ConversationDuration', 'Duration') !== null
        ? duration
        : entry.conversationDurationS,
    recordingUrl: text(body, 'RecordingUrl') ?? entry.recordingUrl,
    legs: legs ?? entry.legs,
    callbacks: [...entry.callbacks, { eventType, status, dateUpdated, receivedAt: now }].slice(-MAX_CALLBACKS),
  };
}

function safeJsonArray(value: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * `POST /api/v1/telephony/exotel/status-callback?token=…`: Exotel reports an outbound call's
 * progress (form-encoded by default, JSON when asked). The token (a `status-callback` capability
 * bound to the outbound request) is the authentication. Answers 200 quickly, also for calls it does
 * not know (logged), so Exotel does not retry for nothing.
 */
export function statusCallbackRoutes(state: StateBuckets, secretKey: string | undefined) {
  return (app: FastifyInstance): Promise<void> => {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        done(null, parseForm(body as string));
      },
    );

    app.post<{ Querystring: { token?: string } }>(
      STATUS_CALLBACK_PATH,
      {
        schema: {
          tags: ['exotel'],
          summary: "Exotel's StatusCallback for outbound calls (capability token in the query)",
          security: [],
          querystring: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] },
          response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, 403: errorDoc },
        },
      },
      async (request, reply) => {
        const token = typeof request.query.token === 'string' ? request.query.token : '';
        const ref = secretKey ? openCapability(secretKey, 'status-callback', token) : undefined;
        if (!ref) {
          request.log.warn('refused an Exotel status callback without a valid token');
          return sendError(reply, 'invalid_token', 'is not valid');
        }
        const body =
          typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
        const callSid = text(body, 'CallSid', 'callsid', 'call_sid');
        if (!callSid) {
          request.log.warn({ ref }, 'an Exotel status callback without CallSid');
          return { ok: true };
        }
        const callId = toCallId(callSid);
        const log = request.log.child({ callId });
        const now = new Date().toISOString();
        let mismatch = false;
        const updated = await state.outbound.update(callId, (current) => {
          if (!current) return null;
          if (current.ref !== ref) {
            mismatch = true;
            return null;
          }
          return applyCallback(current, body, now);
        });
        if (mismatch) {
          log.warn('an Exotel status callback whose token belongs to another call');
          return sendError(reply, 'invalid_token', 'does not belong to this call');
        }
        if (!updated) log.warn({ ref }, 'an Exotel status callback for a call we did not place (or have erased)');
        else log.info({ status: updated.status, eventType: text(body, 'EventType') }, 'Exotel status callback');
        return { ok: true };
      },
    );
    return Promise.resolve();
  };
}
