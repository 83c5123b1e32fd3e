import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { readCallEvents, type Bus } from '@audexly/bus';
import { CALL_STATUSES, callRecordSchema, END_REASONS, isCallId, transcriptLineSchema } from '@audexly/protocol';
import type { CallEventLog, CallPage, CallSummary, CallTranscript, LiveCallList } from '@audexly/protocol/api';
import { parseRangeHeader, RangeNotSatisfiableError } from '@audexly/storage';
import { sendError } from '../api-error.js';
import { parseCallQuery } from '../call-query.js';
import type { CallStore } from '../call-store.js';
import type { LiveCalls } from '../live-calls.js';
import { docSchema, errorDoc } from '../openapi.js';
import { outboundCallSchema } from '../outbound-call.js';

export { DEFAULT_LIMIT, MAX_LIMIT } from '../call-query.js';

const idParam = { type: 'object', properties: { id: { type: 'string', description: 'call id' } }, required: ['id'] };
const summarySchema = z.object({
  callId: z.string(),
  from: z.string(),
  to: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  agent: z.object({ id: z.string(), name: z.string() }),
  startedAt: z.string(),
  durationMs: z.number(),
  endReason: z.enum(END_REASONS).nullable(),
  status: z.enum(CALL_STATUSES),
  turns: z.number(),
  hasRecording: z.boolean(),
}) satisfies z.ZodType<CallSummary>;
const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', description: 'nextCursor of the previous page' },
    agentId: { type: 'string' },
    number: { type: 'string', description: 'caller or dialled number, any format' },
    status: { type: 'string', enum: ['completed', 'failed'] },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    since: { type: 'string', description: 'ISO 8601; calls started at or after' },
    until: { type: 'string', description: 'ISO 8601; calls started before' },
  },
};
const liveSchema = z.object({
  calls: z.array(
    z.object({
      callId: z.string(),
      callSid: z.string(),
      startedAt: z.string(),
      elapsedMs: z.number(),
      from: z.string(),
      to: z.string(),
      direction: z.enum(['inbound', 'outbound']),
      agent: z.object({ id: z.string(), name: z.string() }),
      sampleRate: z.number(),
    }),
  ),
}) satisfies z.ZodType<LiveCallList>;
const detailSchema = callRecordSchema.extend({
  exotel: z.record(z.string(), z.unknown()).optional(),
  outbound: outboundCallSchema.optional(),
});

function invalidId(reply: FastifyReply, id: string): FastifyReply {
  return sendError(reply, 'invalid_call_id', JSON.stringify(id.slice(0, 140)));
}

/** Call logs: list, live calls, one call's record, transcript, events and recording, and erasure. */
export function callRoutes(store: CallStore, bus: Bus, live: LiveCalls) {
  return (app: FastifyInstance): Promise<void> => {
    app.get<{ Querystring: Record<string, unknown> }>(
      '/api/v1/calls',
      {
        schema: {
          tags: ['calls'],
          summary: 'Completed calls, newest first, a page at a time',
          querystring: listQuery,
          response: {
            200: docSchema(
              z.object({ calls: z.array(summarySchema), total: z.number(), nextCursor: z.string().nullable() }),
            ),
            400: errorDoc,
          },
        },
      },
      async (request, reply): Promise<CallPage | FastifyReply> => {
        const query = parseCallQuery(request.query);
        if (typeof query === 'string') return sendError(reply, 'invalid_query', query);
        return store.page(query);
      },
    );

    app.get(
      '/api/v1/calls/live',
      {
        schema: {
          tags: ['calls'],
          summary: 'Calls in progress (started, not ended)',
          response: { 200: docSchema(liveSchema) },
        },
      },
      (): LiveCallList => ({ calls: live.list() }),
    );

    app.get<{ Params: { id: string } }>(
      '/api/v1/calls/:id',
      {
        schema: {
          tags: ['calls'],
          summary: 'A call record, with the Exotel outcome (`exotel`) and outbound entry (`outbound`) when known',
          params: idParam,
          response: { 200: docSchema(detailSchema), 400: errorDoc, 404: errorDoc },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (!isCallId(id)) return invalidId(reply, id);
        return (await store.detail(id)) ?? sendError(reply, 'not_found', `no call ${id}`);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/v1/calls/:id/transcript',
      {
        schema: {
          tags: ['calls'],
          summary: "A call's transcript, in timeline order",
          params: idParam,
          response: {
            200: docSchema(z.object({ callId: z.string(), transcript: z.array(transcriptLineSchema) })),
            400: errorDoc,
            404: errorDoc,
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (!isCallId(id)) return invalidId(reply, id);
        const record = await store.get(id);
        if (!record) return sendError(reply, 'not_found', `no call ${id}`);
        const transcript: CallTranscript = { callId: id, transcript: record.transcript };
        return transcript;
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/v1/calls/:id/events',
      {
        schema: {
          tags: ['calls'],
          summary:
            "A call's event log (lifecycle, speech, reply, playback, control, error events in publication order); works for live calls too",
          params: idParam,
          response: {
            200: docSchema(z.object({ callId: z.string(), events: z.array(z.record(z.string(), z.unknown())) })),
            400: errorDoc,
            404: errorDoc,
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (!isCallId(id)) return invalidId(reply, id);
        const record = await store.get(id);
        // Where the call started, when known, spares the server a walk through the whole log.
        const since = record ? Date.parse(record.startedAt) : live.startedAt(id);
        const events = await readCallEvents(bus, id, { timeoutMs: 0, ...(since === undefined ? {} : { since }) });
        const log: CallEventLog = { callId: id, events };
        if (log.events.length === 0 && !record) return sendError(reply, 'not_found', `no events for call ${id}`);
        return log;
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/v1/calls/:id/recording',
      {
        schema: {
          tags: ['calls'],
          summary: 'The stereo WAV (caller left, agent right); supports Range requests',
          params: idParam,
          produces: ['audio/wav'],
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (!isCallId(id)) return invalidId(reply, id);
        let recording;
        try {
          recording = await store.recording(id, parseRangeHeader(request.headers.range) ?? undefined);
        } catch (err) {
          if (!(err instanceof RangeNotSatisfiableError)) throw err;
          reply.header('accept-ranges', 'bytes').header('content-range', `bytes */${err.size}`);
          return sendError(reply, 'range_not_satisfiable', err.size);
        }
        if (!recording) return sendError(reply, 'not_found', `no recording for call ${id}`);
        reply
          .header('accept-ranges', 'bytes')
          .header('content-disposition', `inline; filename="${id}.wav"`)
          .type('audio/wav');
        const { start, end } = recording.range ?? { start: 0, end: recording.size - 1 };
        if (recording.range) reply.code(206).header('content-range', `bytes ${start}-${end}/${recording.size}`);
        reply.header('content-length', recording.size === 0 ? 0 : end - start + 1);
        return reply.send(Readable.fromWeb(recording.stream));
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/api/v1/calls/:id',
      {
        schema: {
          tags: ['calls'],
          summary:
            "Erase a call (a caller's erasure request): record, recording, Exotel outcome, outbound entry and every event. Idempotent.",
          params: idParam,
          response: { 204: { type: 'null' }, 400: errorDoc },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (!isCallId(id)) return invalidId(reply, id);
        const erased = await store.erase(id);
        request.log.info({ callId: id, ...erased }, 'call erased');
        return reply.code(204).send();
      },
    );
    return Promise.resolve();
  };
}
