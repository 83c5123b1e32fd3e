import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { outboundBindingKey, signCapability, signOutboundStreamToken, toCallId } from '@audexly/protocol';
import type { OutboundCallList, OutboundCallPlaced } from '@audexly/protocol/api';
import { sendError, sendProblems } from '../api-error.js';
import { connectCall, type ConnectFields } from '../exotel-client.js';
import { SpanKind, startCallStageSpan } from '@audexly/telemetry';
import { agentRuleProblems } from '../fields/agent-rules.js';
import { OUTBOUND_LABELS } from '../fields/labels.js';
import { checkPhone, type PhoneCheck } from '../fields/phone.js';
import { docSchema, errorDoc } from '../openapi.js';
import { outboundCallSchema, outboundInputSchema, type OutboundCall } from '../outbound-call.js';
import type { SecretBox } from '../secret-box.js';
import type { StateBuckets } from '../state-buckets.js';
import { isStoredId } from '../stored-id.js';
import { revealCredentials, type StoredTelephony } from '../telephony-config.js';
import { parseStrict } from '../validation.js';

/** Where the gateway takes Exotel's stream; the trailing segment is an outbound stream token (agent, ref, expiry). */
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
  /** Lifetime of the StreamUrl's token (OUTBOUND_STREAM_TOKEN_TTL_S). */
  streamTokenTtlS: number;
  /** Epoch ms; tests pass their own clock. */
  now?: () => number;
}

/** `wss://host/…` from `https://host/…` (and ws from http). */
export function toWebSocketBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s}://`);
}

/** The ExoPhone to call from: the request's, else the telephony config's; in E.164, or the problem with it. */
function callerIdFor(requested: string | undefined, config: StoredTelephony): PhoneCheck {
  const label = OUTBOUND_LABELS.callerId;
  if (requested !== undefined) return checkPhone(requested, 'callerId', label);
  if (config.callerId === null)
    return {
      ok: false,
      problem: {
        path: 'callerId',
        message: `${label} is required: telephony account ${config.name} has no caller ID (your ExoPhone)`,
      },
    };
  const stored = checkPhone(config.callerId, 'callerId', label);
  return stored.ok
    ? stored
    : {
        ok: false,
        problem: {
          path: 'callerId',
          message: `${label} is required: the caller ID of telephony account ${config.name} is not a phone number (correct it under Telephony)`,
        },
      };
}

const acceptedSchema = z.object({
  callId: z.string(),
  callSid: z.string(),
  status: z.string(),
  mode: z.enum(['stream', 'flow']),
});

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
          response: {
            202: docSchema(acceptedSchema),
            400: errorDoc,
            409: errorDoc,
            422: errorDoc,
            502: errorDoc,
            503: errorDoc,
          },
        },
      },
      async (request, reply) => {
        const { secretKey, box } = settings;
        if (!secretKey || !box)
          return sendError(
            reply,
            'secret_key_missing',
            'telephony credentials cannot be read and callbacks cannot be signed',
          );
        const parsed = parseStrict(outboundInputSchema, request.body, OUTBOUND_LABELS);
        if (!parsed.ok) return sendProblems(reply, 'invalid_outbound_call', parsed.problems);
        const body = parsed.data;
        const toPhone = checkPhone(body.to, 'to', OUTBOUND_LABELS.to);
        if (!toPhone.ok) return sendProblems(reply, 'invalid_outbound_call', [toPhone.problem]);
        const to = toPhone.e164;
        const config = isStoredId(body.telephonyConfigId) ? await state.telephony.get(body.telephonyConfigId) : null;
        if (!config)
          return sendProblems(reply, 'unknown_telephony_config', [
            {
              path: 'telephonyConfigId',
              message: `${OUTBOUND_LABELS.telephonyConfigId} “${body.telephonyConfigId.slice(0, 64)}” does not exist`,
            },
          ]);
        const agent =
          body.agentId === undefined ? null : isStoredId(body.agentId) ? await state.agents.get(body.agentId) : null;
        if (body.agentId !== undefined && !agent)
          return sendProblems(reply, 'unknown_agent', [
            { path: 'agentId', message: `${OUTBOUND_LABELS.agentId} “${body.agentId.slice(0, 64)}” does not exist` },
          ]);
        // An agent stored before a rule existed may break one: refuse the call rather than let it fail.
        const agentProblems = agent && body.mode === 'stream' ? agentRuleProblems(agent) : [];
        if (agent && agentProblems.length > 0) {
          const why = agentProblems.map((p) => p.message).join('; ');
          return sendProblems(reply, 'invalid_agent', [
            {
              path: 'agentId',
              message: `${OUTBOUND_LABELS.agentId} “${agent.name}” cannot take calls until its settings are corrected (${why})`,
            },
          ]);
        }
        const caller = callerIdFor(body.callerId, config);
        if (!caller.ok) return sendProblems(reply, 'invalid_outbound_call', [caller.problem]);
        const callerId = caller.e164;
        let credentials;
        try {
          credentials = revealCredentials(box, config);
        } catch {
          return sendError(
            reply,
            'secrets_unreadable',
            `the secrets of telephony config ${config.id}`,
            'store apiKey and apiToken again',
          );
        }

        const ref = `ob_${randomBytes(12).toString('base64url')}`;
        // Whole seconds, as the token carries it.
        const streamExpiresAt =
          Math.ceil(((settings.now ?? Date.now)() + settings.streamTokenTtlS * 1000) / 1000) * 1000;
        const fields: ConnectFields = { From: to, CallerId: callerId, CallType: 'trans' };
        if (body.mode === 'stream') {
          if (!settings.publicUrl) return sendError(reply, 'public_url_missing');
          if (!agent)
            return sendProblems(reply, 'invalid_outbound_call', [
              { path: 'agentId', message: `${OUTBOUND_LABELS.agentId} is required in stream mode` },
            ]);
          const streamToken = signOutboundStreamToken(secretKey, {
            agentId: agent.id,
            ref,
            expiresAt: streamExpiresAt,
          });
          fields.StreamUrl = `${toWebSocketBase(settings.publicUrl)}${GATEWAY_STREAM_PATH}/${streamToken}?sample-rate=${agent.sampleRate}`;
          fields.StreamType = 'bidirectional';
          if (fields.StreamUrl.length > MAX_STREAM_URL)
            return sendError(reply, 'stream_url_too_long', fields.StreamUrl.length, MAX_STREAM_URL);
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

        const account = {
          baseUrl: settings.exotelBaseUrl ?? `https://${config.region}`,
          accountSid: config.accountSid,
          ...credentials,
        };
        const requestedAt = Date.now();
        const result = await connectCall(account, fields, settings.exotelTimeoutMs);
        if (!result.ok) {
          request.log.warn(
            { exotelStatus: result.status, telephonyConfigId: config.id },
            'Exotel refused the outbound call',
          );
          if (result.status === 429) {
            reply.header('retry-after', String(result.retryAfterS ?? 60));
            return sendError(reply, 'exotel_rate_limited', result.message);
          }
          const what =
            result.status === 0 ? result.message : `Exotel refused the call (HTTP ${result.status}): ${result.message}`;
          return sendError(reply, 'exotel_error', what);
        }
        // The gateway admits the stream token for this CallSid only: record it first, before Exotel reaches the customer.
        if (body.mode === 'stream')
          await state.outboundBindings.put(outboundBindingKey(ref), {
            callSid: result.call.Sid,
            expiresAt: streamExpiresAt,
          });
        // Exotel's answer names the call: its request becomes the first span of the call's trace.
        startCallStageSpan(
          'exotel.connect',
          toCallId(result.call.Sid),
          null,
          {
            'server.address': new URL(account.baseUrl).host,
            'audexly.direction': 'outbound',
            'audexly.outbound.mode': body.mode,
          },
          { kind: SpanKind.CLIENT, startTime: requestedAt },
        ).end();
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
        await state.outbound.update(entry.callId, (current) =>
          current ? { ...entry, ...current, ref, agentId: entry.agentId } : entry,
        );
        request.log.info(
          { callId: entry.callId, mode: body.mode, telephonyConfigId: config.id, pii: { to } },
          'outbound call placed',
        );
        const placed: OutboundCallPlaced = {
          callId: entry.callId,
          callSid: entry.callSid,
          status: entry.status,
          mode: entry.mode,
        };
        return reply.code(202).send(placed);
      },
    );

    app.get(
      '/api/v1/calls/outbound',
      {
        schema: {
          tags: ['outbound'],
          summary: 'Calls placed through the API, newest first',
          response: { 200: docSchema(z.object({ calls: z.array(outboundCallSchema) })) },
        },
      },
      async (): Promise<OutboundCallList> => {
        const calls = await state.outbound.all();
        return { calls: calls.sort((a, b) => b.createdAt.localeCompare(a.createdAt)) };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/v1/calls/outbound/:id',
      {
        schema: {
          tags: ['outbound'],
          summary: 'One outbound call (by call id or Exotel Call Sid), with its status callbacks',
          params: { type: 'object', properties: { id: { type: 'string' } } },
          response: { 200: docSchema(outboundCallSchema), 404: errorDoc },
        },
      },
      async (request, reply) => {
        const id = request.params.id.trim();
        const entry = id === '' ? null : await state.outbound.get(toCallId(id));
        return entry ?? sendError(reply, 'not_found', `no outbound call ${request.params.id.slice(0, 140)}`);
      },
    );
    return Promise.resolve();
  };
}
