import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { signCapability, toCallId, toE164 } from '@audexly/protocol';
import { sendError } from '../api-error.js';
import { connectCall, type ConnectFields } from '../exotel-client.js';
import { docSchema, errorDoc } from '../openapi.js';
import { outboundCallSchema, outboundInputSchema, type OutboundCall } from '../outbound-call.js';
import type { SecretBox } from '../secret-box.js';
import type { StateBuckets } from '../state-buckets.js';
import { revealCredentials } from '../telephony-config.js';
import { parseStrict } from '../validation.js';

/** Where the gateway takes Exotel's stream; the trailing segment is a `stream` capability token whose subject is the agent id. */
export const GATEWAY_STREAM_PATH = '/api/v1/telephony/exotel/stream';
export const STATUS_CALLBACK_PATH = '/api/v1/telephony/exotel/status-callback';
/** Exotel's limit on StreamUrl, query included. */
const MAX_STREAM_URL = 600;

export interface OutboundSettings {
  secretKey: string | undefined;
  box: SecretBox | undefined;
  /** How Exotel reaches the gateway (PUBLIC_URL). */
  publicUrl: string | undefined;
  /** How Exotel reaches this API (API_PUBLIC_URL, else PUBLIC_URL). */
  apiPublicUrl: string | undefined;
  /** EXOTEL_API_BASE_URL (tests); else `https://<region>`. */
  exotelBaseUrl: string | undefined;
  exotelTimeoutMs: number;
}

/** `wss://host/…` from `https://host/…` (and ws from http). */
export function toWebSocketBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s}://`);
}

const acceptedSchema = z.object({ callId: z.string(), callSid: z.string(), status: z.string(), mode: z.enum(['stream', 'flow']) });

/** `POST /api/v1/calls/outbound` places a call through Exotel's `Calls/connect.json`; the entries are readable under the same path. */
export function outboundRoutes(state: StateBuckets, settings: OutboundSettings) {
  return (app: FastifyInstance): Promise<void> => {
    app.post(
      '/api/v1/calls/outbound',
      {
        schema: {
          tags: ['outbound'],
          summary: 'Place a call through Exotel: straight to the agent (stream) or into a flow',
          body: docSchema(outboundInputSchema, 'input'),
          response: { 202: docSchema(acceptedSchema), 400: errorDoc, 409: errorDoc, 502: errorDoc, 503: errorDoc },
        },
      },
      async (request, reply) => {
        const { secretKey, box } = settings;
        if (!secretKey || !box) return sendError(reply, 503, 'secret_key_missing', 'AUDEXLY_SECRET_KEY is not set on the API: telephony credentials cannot be read and callbacks cannot be signed');
        const parsed = parseStrict(outboundInputSchema, request.body);
        if (!parsed.ok) return sendError(reply, 400, 'invalid_outbound_call', parsed.message);
        const body = parsed.data;
        const to = toE164(body.to);
        if (!to) return sendError(reply, 400, 'invalid_outbound_call', 'to: not a phone number (use E.164 like +919876543210, or 0-prefixed national like 09876543210)');
        const config = /^[A-Za-z0-9_-]{1,64}$/.test(body.telephonyConfigId) ? await state.telephony.get(body.telephonyConfigId) : null;
        if (!config) return sendError(reply, 400, 'unknown_telephony_config', `no telephony config ${body.telephonyConfigId}`);
        const agent = body.agentId === undefined ? null : /^[A-Za-z0-9_-]{1,64}$/.test(body.agentId) ? await state.agents.get(body.agentId) : null;
        if (body.agentId !== undefined && !agent) return sendError(reply, 400, 'unknown_agent', `no agent ${body.agentId}`);
        const callerId = body.callerId ?? config.callerId;
        if (!callerId) return sendError(reply, 400, 'invalid_outbound_call', `callerId: required, since telephony config ${config.id} has no callerId (your ExoPhone)`);
        let credentials;
        try {
          credentials = revealCredentials(box, config);
        } catch {
          return sendError(reply, 409, 'secrets_unreadable', `the secrets of telephony config ${config.id} were sealed with another AUDEXLY_SECRET_KEY: store apiKey and apiToken again`);
        }

        const ref = `ob_${randomBytes(12).toString('base64url')}`;
        const fields: ConnectFields = { From: to, CallerId: callerId, CallType: 'trans' };
        if (body.mode === 'stream') {
          if (!settings.publicUrl) return sendError(reply, 503, 'public_url_missing', 'PUBLIC_URL is not set on the API: Exotel needs the public URL of the gateway to stream the call to');
          if (!agent) return sendError(reply, 400, 'invalid_outbound_call', 'agentId: required in stream mode');
          fields.StreamUrl = `${toWebSocketBase(settings.publicUrl)}${GATEWAY_STREAM_PATH}/${signCapability(secretKey, 'stream', agent.id)}?sample-rate=${agent.sampleRate}`;
          fields.StreamType = 'bidirectional';
          if (fields.StreamUrl.length > MAX_STREAM_URL) return sendError(reply, 400, 'stream_url_too_long', `the StreamUrl would have ${fields.StreamUrl.length} characters; Exotel takes at most ${MAX_STREAM_URL} (shorten PUBLIC_URL)`);
        } else {
          fields.Url = `http://my.exotel.com/${config.accountSid}/exoml/start_voice/${body.appId}`;
        }
        const callbackBase = settings.apiPublicUrl ?? settings.publicUrl;
        if (callbackBase) {
          fields.StatusCallback = `${callbackBase.replace(/\/+$/, '')}${STATUS_CALLBACK_PATH}?token=${signCapability(secretKey, 'status-callback', ref)}`;
          fields['StatusCallbackEvents[]'] = ['answered', 'terminal'];
        } else {
          request.log.warn('neither API_PUBLIC_URL nor PUBLIC_URL is set: the outbound call gets no status callback');
        }
        if (body.record !== undefined) fields.Record = String(body.record);
        if (body.record) fields.RecordingChannels = 'dual';
        if (body.timeLimitS !== undefined) fields.TimeLimit = String(body.timeLimitS);
        if (body.customField !== undefined) fields.CustomField = body.customField;

        const account = { baseUrl: settings.exotelBaseUrl ?? `https://${config.region}`, accountSid: config.accountSid, ...credentials };
        const result = await connectCall(account, fields, settings.exotelTimeoutMs);
        if (!result.ok) {
          request.log.warn({ exotelStatus: result.status, telephonyConfigId: config.id }, 'Exotel refused the outbound call');
          if (result.status === 429) {
            reply.header('retry-after', String(result.retryAfterS ?? 60));
            return sendError(reply, 503, 'exotel_rate_limited', `Exotel rate-limited the request (HTTP 429): ${result.message}`);
          }
          const what = result.status === 0 ? result.message : `Exotel refused the call (HTTP ${result.status}): ${result.message}`;
          return sendError(reply, 502, 'exotel_error', what);
        }
        const now = new Date().toISOString();
        const entry: OutboundCall = {
          callId: toCallId(result.call.Sid),
          callSid: result.call.Sid,
          ref,
          mode: body.mode,
          to,
          callerId,
          agentId: agent?.id ?? null,
          telephonyConfigId: config.id,
          appId: body.appId ?? null,
          status: result.call.Status,
          createdAt: now,
          updatedAt: now,
          answeredAt: null,
          endedAt: null,
          conversationDurationS: null,
          recordingUrl: null,
          legs: null,
          callbacks: [],
        };
        // A callback may already have arrived (Exotel is quick): keep what it wrote.
        await state.outbound.update(entry.callId, (current) => (current ? { ...entry, ...current, ref, agentId: entry.agentId } : entry));
        request.log.info({ callId: entry.callId, mode: body.mode, telephonyConfigId: config.id, pii: { to } }, 'outbound call placed');
        return reply.code(202).send({ callId: entry.callId, callSid: entry.callSid, status: entry.status, mode: entry.mode });
      },
    );

    app.get('/api/v1/calls/outbound', { schema: { tags: ['outbound'], summary: 'Calls placed through the API, newest first', response: { 200: docSchema(z.object({ calls: z.array(outboundCallSchema) })) } } }, async () => {
      const calls = await state.outbound.all();
      return { calls: calls.sort((a, b) => b.createdAt.localeCompare(a.createdAt)) };
    });

    app.get<{ Params: { id: string } }>(
      '/api/v1/calls/outbound/:id',
      { schema: { tags: ['outbound'], summary: 'One outbound call (by call id or Exotel Call Sid), with its status callbacks', params: { type: 'object', properties: { id: { type: 'string' } } }, response: { 200: docSchema(outboundCallSchema), 404: errorDoc } } },
      async (request, reply) => {
        const id = request.params.id.trim();
        const entry = id === '' ? null : await state.outbound.get(toCallId(id));
        return entry ?? sendError(reply, 404, 'not_found', `no outbound call ${request.params.id.slice(0, 140)}`);
      },
    );
    return Promise.resolve();
  };
}
