import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { isCallId } from '@audexly/protocol';
import type { CallTrace } from '@audexly/protocol/api';
import { callTraceId, turnSpanId } from '@audexly/telemetry';
import { sendError } from '../api-error.js';
import type { CallStore } from '../call-store.js';
import { docSchema, errorDoc } from '../openapi.js';

/** `GET /api/v1/calls/:id/trace` answer, for the OpenAPI document ({@link CallTrace} is the type). */
export const callTraceSchema = z.object({
  callId: z.string(),
  traceId: z.string(),
  url: z.string().nullable(),
  turns: z.array(z.object({ turn: z.number(), spanId: z.string(), url: z.string().nullable() })),
}) satisfies z.ZodType<CallTrace>;

const idParam = { type: 'object', properties: { id: { type: 'string', description: 'call id' } }, required: ['id'] };

/**
 * `GET /api/v1/calls/:id/trace`: the call's trace in Jaeger — the same ids every service derives
 * from the call id — with a link per turn when `JAEGER_UI_URL` is set.
 */
export function callTraceRoutes(store: CallStore, jaegerUiUrl: string | undefined) {
  const base = jaegerUiUrl?.replace(/\/$/, '');
  return (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: { id: string } }>(
      '/api/v1/calls/:id/trace',
      {
        schema: {
          tags: ['calls'],
          summary: "The call's trace id and its turns' span ids, with Jaeger links when JAEGER_UI_URL is set",
          params: idParam,
          response: { 200: docSchema(callTraceSchema), 400: errorDoc },
        },
      },
      async (request, reply: FastifyReply): Promise<CallTrace | FastifyReply> => {
        const { id } = request.params;
        if (!isCallId(id)) return sendError(reply, 'invalid_call_id', JSON.stringify(id.slice(0, 140)));
        const traceId = callTraceId(id);
        const url = base ? `${base}/trace/${traceId}` : null;
        const record = await store.detail(id).catch(() => null);
        const turns = (record?.turns ?? []).map(({ turn }) => {
          const spanId = turnSpanId(id, turn);
          return { turn, spanId, url: url && `${url}?uiFind=${spanId}` };
        });
        return { callId: id, traceId, url, turns };
      },
    );
    return Promise.resolve();
  };
}
