import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { sendError } from '../api-error.js';
import { docSchema, errorDoc } from '../openapi.js';
import type { SecretBox } from '../secret-box.js';
import type { StateBuckets } from '../state-buckets.js';
import {
  newTelephonyId,
  revealCredentials,
  sealTelephony,
  telephonyInputSchema,
  telephonyUpdateSchema,
  telephonyViewSchema,
  viewTelephony,
  type StoredTelephony,
} from '../telephony-config.js';
import { parseStrict } from '../validation.js';

const idParam = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const viewDoc = docSchema(telephonyViewSchema);
const NO_KEY = 'AUDEXLY_SECRET_KEY is not set on the API: telephony secrets cannot be encrypted, so configs cannot be stored (set it and restart)';

/**
 * `/api/v1/telephony-configs`: Exotel accounts. API key and token are write-only: stored sealed
 * with AES-256-GCM, answered as `apiKey: "…last4"` and `hasApiToken: true`.
 */
export function telephonyConfigRoutes(state: StateBuckets, box: SecretBox | undefined) {
  return (app: FastifyInstance): Promise<void> => {
    const load = async (id: string) => (/^[A-Za-z0-9_-]{1,64}$/.test(id) ? state.telephony.get(id) : null);

    app.get('/api/v1/telephony-configs', { schema: { tags: ['telephony'], summary: 'List telephony configs (secrets never shown)', response: { 200: docSchema(z.object({ telephonyConfigs: z.array(telephonyViewSchema) })) } } }, async () => {
      const configs = await state.telephony.all();
      return { telephonyConfigs: configs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(viewTelephony) };
    });

    app.post(
      '/api/v1/telephony-configs',
      { schema: { tags: ['telephony'], summary: 'Add an Exotel account', body: docSchema(telephonyInputSchema, 'input'), response: { 201: viewDoc, 400: errorDoc, 503: errorDoc } } },
      async (request, reply) => {
        if (!box) return sendError(reply, 503, 'secret_key_missing', NO_KEY);
        const parsed = parseStrict(telephonyInputSchema, request.body);
        if (!parsed.ok) return sendError(reply, 400, 'invalid_telephony_config', parsed.message);
        const { apiKey, apiToken, callerId, ...fields } = parsed.data;
        const now = new Date().toISOString();
        const id = newTelephonyId();
        const stored = sealTelephony(box, id, { ...fields, callerId: callerId ?? null, createdAt: now, updatedAt: now }, { apiKey, apiToken });
        await state.telephony.put(id, stored);
        return reply.code(201).header('location', `/api/v1/telephony-configs/${id}`).send(viewTelephony(stored));
      },
    );

    app.get<{ Params: { id: string } }>('/api/v1/telephony-configs/:id', { schema: { tags: ['telephony'], summary: 'One telephony config', params: idParam, response: { 200: viewDoc, 404: errorDoc } } }, async (request, reply) => {
      const config = await load(request.params.id);
      return config ? viewTelephony(config) : sendError(reply, 404, 'not_found', `no telephony config ${request.params.id}`);
    });

    const update = async (id: string, body: unknown, reply: FastifyReply): Promise<FastifyReply | ReturnType<typeof viewTelephony>> => {
      const existing = await load(id);
      if (!existing) return sendError(reply, 404, 'not_found', `no telephony config ${id}`);
      if (!box) return sendError(reply, 503, 'secret_key_missing', NO_KEY);
      const parsed = parseStrict(telephonyUpdateSchema, body);
      if (!parsed.ok) return sendError(reply, 400, 'invalid_telephony_config', parsed.message);
      let credentials;
      try {
        credentials = revealCredentials(box, existing);
      } catch {
        return sendError(reply, 409, 'secrets_unreadable', `the stored secrets of ${id} were sealed with another AUDEXLY_SECRET_KEY: send apiKey and apiToken again`);
      }
      const { apiKey, apiToken, callerId, ...fields } = parsed.data;
      const next: StoredTelephony = sealTelephony(
        box,
        id,
        {
          name: fields.name ?? existing.name,
          provider: 'exotel',
          accountSid: fields.accountSid ?? existing.accountSid,
          region: fields.region ?? existing.region,
          callerId: callerId === undefined ? existing.callerId : callerId,
          createdAt: existing.createdAt,
          updatedAt: new Date().toISOString(),
        },
        { apiKey: apiKey ?? credentials.apiKey, apiToken: apiToken ?? credentials.apiToken },
      );
      await state.telephony.put(id, next);
      return viewTelephony(next);
    };

    for (const method of ['put', 'patch'] as const) {
      app[method]<{ Params: { id: string } }>(
        '/api/v1/telephony-configs/:id',
        {
          schema: {
            tags: ['telephony'],
            summary: 'Change a telephony config (secrets left out stay as they are)',
            params: idParam,
            body: docSchema(telephonyUpdateSchema, 'input'),
            response: { 200: viewDoc, 400: errorDoc, 404: errorDoc, 503: errorDoc },
          },
        },
        (request, reply) => update(request.params.id, request.body, reply),
      );
    }

    app.delete<{ Params: { id: string } }>(
      '/api/v1/telephony-configs/:id',
      { schema: { tags: ['telephony'], summary: 'Delete a telephony config no number uses', params: idParam, response: { 204: { type: 'null' }, 404: errorDoc, 409: errorDoc } } },
      async (request, reply) => {
        const config = await load(request.params.id);
        if (!config) return sendError(reply, 404, 'not_found', `no telephony config ${request.params.id}`);
        const users = (await state.numbers.all()).filter((route) => route.telephonyConfigId === config.id).map((r) => r.number);
        if (users.length > 0) return sendError(reply, 409, 'telephony_config_in_use', `numbers ${users.sort().join(', ')} use telephony config ${config.id}: re-point or delete them first`);
        await state.telephony.purge(config.id);
        return reply.code(204).send();
      },
    );
    return Promise.resolve();
  };
}
