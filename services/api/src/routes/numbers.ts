import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { numberKey, toE164 } from '@audexly/protocol';
import type { NumberList } from '@audexly/protocol/api';
import { sendError, sendProblems } from '../api-error.js';
import type { FieldProblem } from '../fields/field-problem.js';
import { NUMBER_LABELS } from '../fields/labels.js';
import { checkPhone } from '../fields/phone.js';
import { numberInputSchema, numberRouteSchema, numberUpdateSchema, type NumberRoute } from '../number-route.js';
import { docSchema, errorDoc } from '../openapi.js';
import type { StateBuckets } from '../state-buckets.js';
import { isStoredId } from '../stored-id.js';
import { parseStrict } from '../validation.js';

const numberParam = {
  type: 'object',
  properties: { number: { type: 'string', description: 'any format: +919876543210, 09876543210, 919876543210' } },
  required: ['number'],
};
const routeDoc = docSchema(numberRouteSchema);

/** A refused reference: the error code and the field it names. */
interface ReferenceProblem {
  code: 'unknown_agent' | 'unknown_telephony_config';
  problem: FieldProblem;
}

/** `/api/v1/numbers`: which agent answers a dialled number (E.164), and through which telephony config. */
export function numberRoutes(state: StateBuckets) {
  return (app: FastifyInstance): Promise<void> => {
    /** The first reference that points at nothing; null when agent and telephony config both exist. Sends nothing. */
    const referenceProblem = async (
      agentId: string,
      telephonyConfigId: string | null,
    ): Promise<ReferenceProblem | null> => {
      if (!isStoredId(agentId) || !(await state.agents.get(agentId))) {
        return {
          code: 'unknown_agent',
          problem: {
            path: 'agentId',
            message: `${NUMBER_LABELS.agentId} “${agentId.slice(0, 64)}” does not exist: create it first (POST /api/v1/agents)`,
          },
        };
      }
      if (
        telephonyConfigId !== null &&
        (!isStoredId(telephonyConfigId) || !(await state.telephony.get(telephonyConfigId)))
      ) {
        return {
          code: 'unknown_telephony_config',
          problem: {
            path: 'telephonyConfigId',
            message: `${NUMBER_LABELS.telephonyConfigId} “${telephonyConfigId.slice(0, 64)}” does not exist`,
          },
        };
      }
      return null;
    };

    app.get(
      '/api/v1/numbers',
      {
        schema: {
          tags: ['numbers'],
          summary: 'List number routes',
          response: { 200: docSchema(z.object({ numbers: z.array(numberRouteSchema) })) },
        },
      },
      async (): Promise<NumberList> => {
        const numbers = await state.numbers.all();
        return { numbers: numbers.sort((a, b) => a.number.localeCompare(b.number)) };
      },
    );

    app.post(
      '/api/v1/numbers',
      {
        schema: {
          tags: ['numbers'],
          summary: 'Point a number at an agent',
          body: docSchema(numberInputSchema, 'input'),
          response: { 201: routeDoc, 409: errorDoc, 422: errorDoc },
        },
      },
      async (request, reply) => {
        const parsed = parseStrict(numberInputSchema, request.body, NUMBER_LABELS);
        if (!parsed.ok) return sendProblems(reply, 'invalid_number', parsed.problems);
        const phone = checkPhone(parsed.data.number, 'number', NUMBER_LABELS.number);
        if (!phone.ok) return sendProblems(reply, 'invalid_number', [phone.problem]);
        const telephonyConfigId = parsed.data.telephonyConfigId ?? null;
        const refused = await referenceProblem(parsed.data.agentId, telephonyConfigId);
        if (refused) return sendProblems(reply, refused.code, [refused.problem]);
        const e164 = phone.e164;
        const route: NumberRoute = {
          number: e164,
          agentId: parsed.data.agentId,
          telephonyConfigId,
          createdAt: new Date().toISOString(),
        };
        if (!(await state.numbers.create(numberKey(e164), route))) {
          return sendError(reply, 'number_exists', e164, encodeURIComponent(e164));
        }
        return reply
          .code(201)
          .header('location', `/api/v1/numbers/${encodeURIComponent(e164)}`)
          .send(route);
      },
    );

    app.get<{ Params: { number: string } }>(
      '/api/v1/numbers/:number',
      {
        schema: {
          tags: ['numbers'],
          summary: 'One number route',
          params: numberParam,
          response: { 200: routeDoc, 400: errorDoc, 404: errorDoc },
        },
      },
      async (request, reply) => {
        const e164 = toE164(request.params.number);
        if (!e164) return sendError(reply, 'invalid_number', JSON.stringify(request.params.number.slice(0, 40)));
        return (await state.numbers.get(numberKey(e164))) ?? sendError(reply, 'not_found', `${e164} is not routed`);
      },
    );

    app.put<{ Params: { number: string } }>(
      '/api/v1/numbers/:number',
      {
        schema: {
          tags: ['numbers'],
          summary: 'Create or re-point a number route',
          params: numberParam,
          body: docSchema(numberUpdateSchema, 'input'),
          response: { 200: routeDoc, 400: errorDoc, 422: errorDoc },
        },
      },
      async (request, reply) => {
        const e164 = toE164(request.params.number);
        if (!e164) return sendError(reply, 'invalid_number', JSON.stringify(request.params.number.slice(0, 40)));
        const parsed = parseStrict(numberUpdateSchema, request.body, NUMBER_LABELS);
        if (!parsed.ok) return sendProblems(reply, 'invalid_number', parsed.problems);
        const telephonyConfigId = parsed.data.telephonyConfigId ?? null;
        const refused = await referenceProblem(parsed.data.agentId, telephonyConfigId);
        if (refused) return sendProblems(reply, refused.code, [refused.problem]);
        const existing = await state.numbers.get(numberKey(e164));
        const route: NumberRoute = {
          number: e164,
          agentId: parsed.data.agentId,
          telephonyConfigId,
          createdAt: existing?.createdAt ?? new Date().toISOString(),
        };
        await state.numbers.put(numberKey(e164), route);
        return route;
      },
    );

    app.delete<{ Params: { number: string } }>(
      '/api/v1/numbers/:number',
      {
        schema: {
          tags: ['numbers'],
          summary: 'Stop routing a number',
          params: numberParam,
          response: { 204: { type: 'null' }, 400: errorDoc, 404: errorDoc },
        },
      },
      async (request, reply) => {
        const e164 = toE164(request.params.number);
        if (!e164) return sendError(reply, 'invalid_number', JSON.stringify(request.params.number.slice(0, 40)));
        if (!(await state.numbers.get(numberKey(e164)))) return sendError(reply, 'not_found', `${e164} is not routed`);
        await state.numbers.purge(numberKey(e164));
        return reply.code(204).send();
      },
    );
    return Promise.resolve();
  };
}
