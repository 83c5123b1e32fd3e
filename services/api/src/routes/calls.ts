import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isCallId } from '@audexly/protocol';
import { sendError } from '../api-error.js';
import { parseRange, sliceStream } from '../byte-range.js';
import { summarize, type CallStore } from '../call-store.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

interface Page {
  limit: number;
  offset: number;
}

/** Reads `?limit=` and `?cursor=` (an offset into the newest-first list); a string says what is wrong. */
function parsePage(query: Record<string, unknown>): Page | string {
  const limit = parseCount(query.limit, DEFAULT_LIMIT);
  if (limit === undefined || limit < 1 || limit > MAX_LIMIT) return `limit must be an integer from 1 to ${MAX_LIMIT}`;
  const offset = parseCount(query.cursor, 0);
  if (offset === undefined) return 'cursor must be a non-negative integer (the nextCursor of the previous page)';
  return { limit, offset };
}

function parseCount(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

function invalidId(reply: FastifyReply, id: string): FastifyReply {
  return sendError(reply, 400, 'invalid_call_id', `not a call id: ${JSON.stringify(id.slice(0, 140))} (1-128 characters of A-Z, a-z, 0-9, _ and -)`);
}

/** Call logs: the list, one call's record (with transcript and turns), and its recording. */
export function callRoutes(store: CallStore) {
  return (app: FastifyInstance): Promise<void> => {
    app.get<{ Querystring: Record<string, unknown> }>('/api/v1/calls', async (request, reply) => {
      const page = parsePage(request.query);
      if (typeof page === 'string') return sendError(reply, 400, 'invalid_query', page);
      const records = await store.list();
      const calls = records.slice(page.offset, page.offset + page.limit).map(summarize);
      const next = page.offset + page.limit;
      return { calls, total: records.length, nextCursor: next < records.length ? String(next) : null };
    });

    app.get<{ Params: { id: string } }>('/api/v1/calls/:id', async (request, reply) => {
      const { id } = request.params;
      if (!isCallId(id)) return invalidId(reply, id);
      const record = await store.get(id);
      if (!record) return sendError(reply, 404, 'not_found', `no call ${id}`);
      return record;
    });

    app.get<{ Params: { id: string } }>('/api/v1/calls/:id/recording', async (request, reply) => {
      const { id } = request.params;
      if (!isCallId(id)) return invalidId(reply, id);
      const recording = await store.recording(id);
      if (!recording) return sendError(reply, 404, 'not_found', `no recording for call ${id}`);
      const size = recording.bytes;
      reply.header('accept-ranges', 'bytes').header('content-disposition', `inline; filename="${id}.wav"`).type('audio/wav');
      const range = parseRange(request.headers.range, size);
      if (range === 'unsatisfiable') {
        await recording.stream.cancel();
        reply.header('content-range', `bytes */${size}`);
        return sendError(reply, 416, 'range_not_satisfiable', `the recording has ${size} bytes`);
      }
      const { start, end } = range ?? { start: 0, end: size - 1 };
      if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
      reply.header('content-length', end - start + 1);
      return reply.send(Readable.from(sliceStream(recording.stream, start, end + 1), { objectMode: false }));
    });
    return Promise.resolve();
  };
}
