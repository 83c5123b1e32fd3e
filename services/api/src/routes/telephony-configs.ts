import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TelephonyList } from '@audexly/protocol/api';
import { sendError, sendProblems } from '../api-error.js';
import type { FieldProblem } from '../fields/field-problem.js';
import { TELEPHONY_LABELS } from '../fields/labels.js';
import { checkPhone } from '../fields/phone.js';
import { docSchema, errorDoc } from '../openapi.js';
import type { SecretBox } from '../secret-box.js';
import type { StateBuckets } from '../state-buckets.js';
import { isStoredId } from '../stored-id.js';
import {
  newTelephonyId,
  revealCredentials,
  sealTelephony,
  telephonyInputSchema,
  telephonyUpdateSchema,
  telephonyViewSchema,
  viewTelephony,
  type ExotelCredentials,
  type StoredTelephony,
} from '../telephony-config.js';
import { parseStrict } from '../validation.js';

const idParam = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const viewDoc = docSchema(telephonyViewSchema);
const NO_KEY = 'telephony secrets cannot be encrypted, so configs cannot be stored (set it and restart)';

/** A caller ID as sent (null clears it, undefined leaves it): E.164, or the problem with it. */
type CallerIdCheck = { ok: true; callerId: string | null | undefined } | { ok: false; problem: FieldProblem };

function checkCallerId(raw: string | null | undefined): CallerIdCheck {
  if (raw === null || raw === undefined) return { ok: true, callerId: raw };
  const phone = checkPhone(raw, 'callerId', TELEPHONY_LABELS.callerId);
  return phone.ok ? { ok: true, callerId: phone.e164 } : phone;
}

/**
 * `/api/v1/telephony-configs`: Exotel accounts. API key and token are write-only: stored sealed
 * with AES-256-GCM, answered as `apiKey: "…last4"` and `hasApiToken: true`.
 */
export function telephonyConfigRoutes(state: StateBuckets, box: SecretBox | undefined) {
  return (app: FastifyInstance): Promise<void> => {
    const load = async (id: string) => (isStoredId(id) ? state.telephony.get(id) : null);

    app.get(
      '/api/v1/telephony-configs',
      {
        schema: {
          tags: ['telephony'],
          summary: 'List telephony configs (secrets never shown)',
          response: { 200: docSchema(z.object({ telephonyConfigs: z.array(telephonyViewSchema) })) },
        },
      },
      async (): Promise<TelephonyList> => {
        const configs = await state.telephony.all();
        return { telephonyConfigs: configs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(viewTelephony) };
      },
    );

    app.post(
      '/api/v1/telephony-configs',
      {
        schema: {
          tags: ['telephony'],
          summary: 'Add an Exotel account',
          body: docSchema(telephonyInputSchema, 'input'),
          response: { 201: viewDoc, 422: errorDoc, 503: errorDoc },
        },
      },
      async (request, reply) => {
        if (!box) return sendError(reply, 'secret_key_missing', NO_KEY);
        const parsed = parseStrict(telephonyInputSchema, request.body, TELEPHONY_LABELS);
        if (!parsed.ok) return sendProblems(reply, 'invalid_telephony_config', parsed.problems);
        const { apiKey, apiToken, callerId: rawCallerId, ...fields } = parsed.data;
        const callerId = checkCallerId(rawCallerId);
        if (!callerId.ok) return sendProblems(reply, 'invalid_telephony_config', [callerId.problem]);
        const now = new Date().toISOString();
        const id = newTelephonyId();
        const stored = sealTelephony(
          box,
          id,
          { ...fields, callerId: callerId.callerId ?? null, createdAt: now, updatedAt: now },
          { apiKey, apiToken },
        );
        await state.telephony.put(id, stored);
        return reply.code(201).header('location', `/api/v1/telephony-configs/${id}`).send(viewTelephony(stored));
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/v1/telephony-configs/:id',
      {
        schema: {
          tags: ['telephony'],
          summary: 'One telephony config',
          params: idParam,
          response: { 200: viewDoc, 404: errorDoc },
        },
      },
      async (request, reply) => {
        const config = await load(request.params.id);
        return config
          ? viewTelephony(config)
          : sendError(reply, 'not_found', `no telephony config ${request.params.id}`);
      },
    );

    for (const method of ['put', 'patch'] as const) {
      app[method]<{ Params: { id: string } }>(
        '/api/v1/telephony-configs/:id',
        {
          schema: {
            tags: ['telephony'],
            summary: 'Change a telephony config (secrets left out stay as they are)',
            params: idParam,
            body: docSchema(telephonyUpdateSchema, 'input'),
            response: { 200: viewDoc, 404: errorDoc, 409: errorDoc, 422: errorDoc, 503: errorDoc },
          },
        },
        async (request, reply) => {
          const { id } = request.params;
          const existing = await load(id);
          if (!existing) return sendError(reply, 'not_found', `no telephony config ${id}`);
          if (!box) return sendError(reply, 'secret_key_missing', NO_KEY);
          const parsed = parseStrict(telephonyUpdateSchema, request.body, TELEPHONY_LABELS);
          if (!parsed.ok) return sendProblems(reply, 'invalid_telephony_config', parsed.problems);
          const { apiKey, apiToken, callerId: rawCallerId, ...fields } = parsed.data;
          const callerId = checkCallerId(rawCallerId);
          if (!callerId.ok) return sendProblems(reply, 'invalid_telephony_config', [callerId.problem]);
          let credentials: ExotelCredentials;
          try {
            // Both sent: nothing stored needs reading (this is how secrets sealed under another key are replaced).
            credentials =
              apiKey !== undefined && apiToken !== undefined ? { apiKey, apiToken } : revealCredentials(box, existing);
          } catch {
            return sendError(
              reply,
              'secrets_unreadable',
              `the stored secrets of ${id}`,
              'send apiKey and apiToken again',
            );
          }
          const next: StoredTelephony = sealTelephony(
            box,
            id,
            {
              name: fields.name ?? existing.name,
              provider: 'exotel',
              accountSid: fields.accountSid ?? existing.accountSid,
              region: fields.region ?? existing.region,
              callerId: callerId.callerId === undefined ? existing.callerId : callerId.callerId,
              createdAt: existing.createdAt,
              updatedAt: new Date().toISOString(),
            },
            { apiKey: apiKey ?? credentials.apiKey, apiToken: apiToken ?? credentials.apiToken },
          );
          await state.telephony.put(id, next);
          return viewTelephony(next);
        },
      );
    }

    app.delete<{ Params: { id: string } }>(
      '/api/v1/telephony-configs/:id',
      {
        schema: {
          tags: ['telephony'],
          summary: 'Delete a telephony config no number uses',
          params: idParam,
          response: { 204: { type: 'null' }, 404: errorDoc, 409: errorDoc },
        },
      },
      async (request, reply) => {
        const config = await load(request.params.id);
        if (!config) return sendError(reply, 'not_found', `no telephony config ${request.params.id}`);
        const users = (await state.numbers.all())
          .filter((route) => route.telephonyConfigId === config.id)
          .map((r) => r.number);
        if (users.length > 0) return sendError(reply, 'telephony_config_in_use', users.sort().join(', '), config.id);
        await state.telephony.purge(config.id);
        return reply.code(204).send();
      },
    );
    return Promise.resolve();
  };
}
