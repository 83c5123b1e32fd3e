import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AgentList } from '@audexly/protocol/api';
import { agentInputSchema, mergeDeep, storedAgentSchema, type StoredAgent } from '../agent-schemas.js';
import { validateAgentInput } from '../agent-validation.js';
import { sendError, sendProblems } from '../api-error.js';
import { docSchema, errorDoc } from '../openapi.js';
import type { StateBuckets } from '../state-buckets.js';
import { isStoredId } from '../stored-id.js';
import { unknownFieldProblems } from '../validation.js';

const idParam = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const agentDoc = docSchema(storedAgentSchema);
const errors = { 404: errorDoc, 422: errorDoc };

export function newAgentId(): string {
  return `ag_${randomBytes(9).toString('base64url')}`;
}

/** `/api/v1/agents`: create, list, read, replace (PUT), change (PATCH) and delete agents. */
export function agentRoutes(state: StateBuckets) {
  return (app: FastifyInstance): Promise<void> => {
    const load = async (id: string) => (isStoredId(id) ? state.agents.get(id) : null);

    app.get(
      '/api/v1/agents',
      {
        schema: {
          tags: ['agents'],
          summary: 'List agents (oldest first)',
          response: { 200: docSchema(z.object({ agents: z.array(storedAgentSchema) })) },
        },
      },
      async (): Promise<AgentList> => {
        const agents = await state.agents.all();
        return { agents: agents.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)) };
      },
    );

    app.post(
      '/api/v1/agents',
      {
        schema: {
          tags: ['agents'],
          summary: 'Create an agent (the server assigns its id)',
          body: docSchema(agentInputSchema, 'input'),
          response: { 201: agentDoc, 422: errorDoc },
        },
      },
      async (request, reply) => {
        const parsed = validateAgentInput(withoutId(request.body));
        if (!parsed.ok) return sendProblems(reply, 'invalid_agent', parsed.problems);
        const now = new Date().toISOString();
        const agent: StoredAgent = { ...parsed.data, id: newAgentId(), createdAt: now, updatedAt: now };
        await state.agents.put(agent.id, agent);
        return reply.code(201).header('location', `/api/v1/agents/${agent.id}`).send(agent);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/v1/agents/:id',
      { schema: { tags: ['agents'], summary: 'One agent', params: idParam, response: { 200: agentDoc, ...errors } } },
      async (request, reply) => {
        const agent = await load(request.params.id);
        return agent ?? sendError(reply, 'not_found', `no agent ${request.params.id}`);
      },
    );

    app.put<{ Params: { id: string } }>(
      '/api/v1/agents/:id',
      {
        schema: {
          tags: ['agents'],
          summary: 'Replace an agent (omitted fields take their defaults)',
          params: idParam,
          body: docSchema(agentInputSchema, 'input'),
          response: { 200: agentDoc, ...errors },
        },
      },
      async (request, reply) => {
        const existing = await load(request.params.id);
        if (!existing) return sendError(reply, 'not_found', `no agent ${request.params.id}`);
        const parsed = validateAgentInput(withoutId(request.body));
        if (!parsed.ok) return sendProblems(reply, 'invalid_agent', parsed.problems);
        const agent: StoredAgent = {
          ...parsed.data,
          id: existing.id,
          createdAt: existing.createdAt,
          updatedAt: new Date().toISOString(),
        };
        await state.agents.put(agent.id, agent);
        return agent;
      },
    );

    app.patch<{ Params: { id: string } }>(
      '/api/v1/agents/:id',
      {
        schema: {
          tags: ['agents'],
          summary: 'Change some fields of an agent (objects merge, arrays and values replace)',
          params: idParam,
          body: docSchema(agentInputSchema.partial(), 'input'),
          response: { 200: agentDoc, ...errors },
        },
      },
      async (request, reply) => {
        const existing = await load(request.params.id);
        if (!existing) return sendError(reply, 'not_found', `no agent ${request.params.id}`);
        if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
          return sendProblems(reply, 'invalid_agent', [
            { path: '', message: 'The request body must be a JSON object with the fields to change' },
          ]);
        }
        const { id: _id, createdAt, updatedAt: _updatedAt, ...current } = existing;
        const unknown = unknownFieldProblems(agentInputSchema, withoutId(request.body));
        if (unknown.length > 0) return sendProblems(reply, 'invalid_agent', unknown);
        const parsed = validateAgentInput(mergeDeep(current, withoutId(request.body)));
        if (!parsed.ok) return sendProblems(reply, 'invalid_agent', parsed.problems);
        const agent: StoredAgent = { ...parsed.data, id: existing.id, createdAt, updatedAt: new Date().toISOString() };
        await state.agents.put(agent.id, agent);
        return agent;
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/api/v1/agents/:id',
      {
        schema: {
          tags: ['agents'],
          summary: 'Delete an agent no number points to',
          params: idParam,
          response: { 204: { type: 'null' }, 404: errorDoc, 409: errorDoc },
        },
      },
      async (request, reply) => {
        const agent = await load(request.params.id);
        if (!agent) return sendError(reply, 'not_found', `no agent ${request.params.id}`);
        const routes = (await state.numbers.all()).filter((route) => route.agentId === agent.id);
        if (routes.length > 0) {
          const numbers = routes.map((r) => r.number).sort();
          return sendError(
            reply,
            'agent_in_use',
            agent.id,
            numbers.join(', '),
            numbers.length > 1 ? 'these numbers' : 'this number',
            numbers.length > 1 ? 'them' : 'it',
          );
        }
        await state.agents.purge(agent.id);
        return reply.code(204).send();
      },
    );
    return Promise.resolve();
  };
}

/** The id is the server's: a client may echo it back (e.g. PUT of a fetched agent) but it is ignored. */
function withoutId(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = body as Record<string, unknown>;
  return rest;
}
