import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { agentInputSchema, mergeDeep, storedAgentSchema, type StoredAgent } from '../agent-schemas.js';
import { sendError } from '../api-error.js';
import { docSchema, errorDoc } from '../openapi.js';
import type { StateBuckets } from '../state-buckets.js';
import { parseStrict, unknownFields } from '../validation.js';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const idParam = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const agentDoc = docSchema(storedAgentSchema);
const errors = { 400: errorDoc, 404: errorDoc };

export function newAgentId(): string {
  return `ag_${randomBytes(9).toString('base64url')}`;
}

/** `/api/v1/agents`: create, list, read, replace (PUT), change (PATCH) and delete agents. */
export function agentRoutes(state: StateBuckets) {
  return (app: FastifyInstance): Promise<void> => {
    const load = async (id: string) => (ID_PATTERN.test(id) ? state.agents.get(id) : null);

    app.get('/api/v1/agents', { schema: { tags: ['agents'], summary: 'List agents (oldest first)', response: { 200: docSchema(z.object({ agents: z.array(storedAgentSchema) })) } } }, async () => {
      const agents = await state.agents.all();
      return { agents: agents.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)) };
    });

    app.post(
      '/api/v1/agents',
      { schema: { tags: ['agents'], summary: 'Create an agent (the server assigns its id)', body: docSchema(agentInputSchema, 'input'), response: { 201: agentDoc, 400: errorDoc } } },
      async (request, reply) => {
        const parsed = parseStrict(agentInputSchema, withoutId(request.body));
        if (!parsed.ok) return sendError(reply, 400, 'invalid_agent', parsed.message);
        const now = new Date().toISOString();
        const agent: StoredAgent = { ...parsed.data, id: newAgentId(), createdAt: now, updatedAt: now };
        await state.agents.put(agent.id, agent);
        return reply.code(201).header('location', `/api/v1/agents/${agent.id}`).send(agent);
      },
    );

    app.get<{ Params: { id: string } }>('/api/v1/agents/:id', { schema: { tags: ['agents'], summary: 'One agent', params: idParam, response: { 200: agentDoc, ...errors } } }, async (request, reply) => {
      const agent = await load(request.params.id);
      return agent ?? sendError(reply, 404, 'not_found', `no agent ${request.params.id}`);
    });

    app.put<{ Params: { id: string } }>(
      '/api/v1/agents/:id',
      { schema: { tags: ['agents'], summary: 'Replace an agent (omitted fields take their defaults)', params: idParam, body: docSchema(agentInputSchema, 'input'), response: { 200: agentDoc, ...errors } } },
      async (request, reply) => {
        const existing = await load(request.params.id);
        if (!existing) return sendError(reply, 404, 'not_found', `no agent ${request.params.id}`);
        const parsed = parseStrict(agentInputSchema, withoutId(request.body));
        if (!parsed.ok) return sendError(reply, 400, 'invalid_agent', parsed.message);
        const agent: StoredAgent = { ...parsed.data, id: existing.id, createdAt: existing.createdAt, updatedAt: new Date().toISOString() };
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
        if (!existing) return sendError(reply, 404, 'not_found', `no agent ${request.params.id}`);
        if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
          return sendError(reply, 400, 'invalid_agent', 'the body must be a JSON object with the fields to change');
        }
        const { id: _id, createdAt, updatedAt: _updatedAt, ...current } = existing;
        const unknown = unknownFields(agentInputSchema, withoutId(request.body));
        if (unknown.length > 0) return sendError(reply, 400, 'invalid_agent', `unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
        const parsed = parseStrict(agentInputSchema, mergeDeep(current, withoutId(request.body)));
        if (!parsed.ok) return sendError(reply, 400, 'invalid_agent', parsed.message);
        const agent: StoredAgent = { ...parsed.data, id: existing.id, createdAt, updatedAt: new Date().toISOString() };
        await state.agents.put(agent.id, agent);
        return agent;
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/api/v1/agents/:id',
      { schema: { tags: ['agents'], summary: 'Delete an agent no number points to', params: idParam, response: { 204: { type: 'null' }, 404: errorDoc, 409: errorDoc } } },
      async (request, reply) => {
        const agent = await load(request.params.id);
        if (!agent) return sendError(reply, 404, 'not_found', `no agent ${request.params.id}`);
        const routes = (await state.numbers.all()).filter((route) => route.agentId === agent.id);
        if (routes.length > 0) {
          const numbers = routes.map((r) => r.number).sort();
          return sendError(reply, 409, 'agent_in_use', `agent ${agent.id} still answers ${numbers.join(', ')}: point ${numbers.length > 1 ? 'these numbers' : 'this number'} to another agent or delete ${numbers.length > 1 ? 'them' : 'it'} first`);
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
