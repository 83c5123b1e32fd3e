import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { numberKey, toE164 } from '@audexly/protocol';
import { sendError } from '../api-error.js';
import { numberInputSchema, numberRouteSchema, numberUpdateSchema, type NumberRoute } from '../number-route.js';
import { docSchema, errorDoc } from '../openapi.js';
import type { StateBuckets } from '../state-buckets.js';
import { parseStrict } from '../validation.js';

const numberParam = { type: 'object', properties: { number: { type: 'string', description: 'any format: +919876543210, 09876543210, 919876543210' } }, required: ['number'] };
const routeDoc = docSchema(numberRouteSchema);

/** `/api/v1/numbers`: which agent answers a dialled number (E.164), and through which telephony config. */
export function numberRoutes(state: StateBuckets) {
  return (app: FastifyInstance): Promise<void> => {
    /** Unknown agent or telephony config → a 400 already sent; else null. */
    const checkReferences = async (reply: FastifyReply, agentId: string, telephonyConfigId: string | null): Promise<FastifyReply | null> => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(agentId) || !(await state.agents.get(agentId))) return sendError(reply, 400, 'unknown_agent', `no agent ${agentId}: create it first (POST /api/v1/agents)`);
      if (telephonyConfigId !== null && (!/^[A-Za-z0-9_-]{1,64}$/.test(telephonyConfigId) || !(await state.telephony.get(telephonyConfigId)))) {
        return sendError(reply, 400, 'unknown_telephony_config', `no telephony config ${telephonyConfigId}`);
      }
      return null;
    };

    app.get('/api/v1/numbers', { schema: { tags: ['numbers'], summary: 'List number routes', response: { 200: docSchema(z.object({ numbers: z.array(numberRouteSchema) })) } } }, async () => {
      const numbers = await state.numbers.all();
      return { numbers: numbers.sort((a, b) => a.number.localeCompare(b.number)) };
    });

    app.post(
      '/api/v1/numbers',
      { schema: { tags: ['numbers'], summary: 'Point a number at an agent', body: docSchema(numberInputSchema, 'input'), response: { 201: routeDoc, 400: errorDoc, 409: errorDoc } } },
      async (request, reply) => {
        const parsed = parseStrict(numberInputSchema, request.body);
        if (!parsed.ok) return sendError(reply, 400, 'invalid_number', parsed.message);
        const e164 = toE164(parsed.data.number);
        if (!e164) return sendError(reply, 400, 'invalid_number', 'number: not a phone number (use E.164 like +919876543210, or 0-prefixed national like 09876543210)');
        const telephonyConfigId = parsed.data.telephonyConfigId ?? null;
        const refused = await checkReferences(reply, parsed.data.agentId, telephonyConfigId);
        if (refused) return refused;
        const route: NumberRoute = { number: e164, agentId: parsed.data.agentId, telephonyConfigId, createdAt: new Date().toISOString() };
        if (!(await state.numbers.create(numberKey(e164), route))) {
          return sendError(reply, 409, 'number_exists', `${e164} is already routed: PUT /api/v1/numbers/${encodeURIComponent(e164)} to point it elsewhere`);
        }
        return reply.code(201).header('location', `/api/v1/numbers/${encodeURIComponent(e164)}`).send(route);
      },
    );

    app.get<{ Params: { number: string } }>('/api/v1/numbers/:number', { schema: { tags: ['numbers'], summary: 'One number route', params: numberParam, response: { 200: routeDoc, 400: errorDoc, 404: errorDoc } } }, async (request, reply) => {
      const e164 = toE164(request.params.number);
      if (!e164) return sendError(reply, 400, 'invalid_number', `not a phone number: ${JSON.stringify(request.params.number.slice(0, 40))}`);
      return (await state.numbers.get(numberKey(e164))) ?? sendError(reply, 404, 'not_found', `${e164} is not routed`);
    });

    app.put<{ Params: { number: string } }>(
      '/api/v1/numbers/:number',
      { schema: { tags: ['numbers'], summary: 'Create or re-point a number route', params: numberParam, body: docSchema(numberUpdateSchema, 'input'), response: { 200: routeDoc, 400: errorDoc } } },
      async (request, reply) => {
        const e164 = toE164(request.params.number);
        if (!e164) return sendError(reply, 400, 'invalid_number', `not a phone number: ${JSON.stringify(request.params.number.slice(0, 40))}`);
        const parsed = parseStrict(numberUpdateSchema, request.body);
        if (!parsed.ok) return sendError(reply, 400, 'invalid_number', parsed.message);
        const telephonyConfigId = parsed.data.telephonyConfigId ?? null;
        const refused = await checkReferences(reply, parsed.data.agentId, telephonyConfigId);
        if (refused) return refused;
        const existing = await state.numbers.get(numberKey(e164));
        const route: NumberRoute = { number: e164, agentId: parsed.data.agentId, telephonyConfigId, createdAt: existing?.createdAt ?? new Date().toISOString() };
        await state.numbers.put(numberKey(e164), route);
        return route;
      },
    );

    app.delete<{ Params: { number: string } }>(
      '/api/v1/numbers/:number',
      { schema: { tags: ['numbers'], summary: 'Stop routing a number', params: numberParam, response: { 204: { type: 'null' }, 400: errorDoc, 404: errorDoc } } },
      async (request, reply) => {
        const e164 = toE164(request.params.number);
        if (!e164) return sendError(reply, 400, 'invalid_number', `not a phone number: ${JSON.stringify(request.params.number.slice(0, 40))}`);
        if (!(await state.numbers.get(numberKey(e164)))) return sendError(reply, 404, 'not_found', `${e164} is not routed`);
        await state.numbers.purge(numberKey(e164));
        return reply.code(204).send();
      },
    );
    return Promise.resolve();
  };
}
