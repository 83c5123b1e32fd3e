import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/** Where the docs live: the UI at `/api/docs`, the OpenAPI document at `/api/docs/json`. */
export const DOCS_PREFIX = '/api/docs';

/**
 * A zod schema as JSON Schema for the OpenAPI document. zod stays the one validator (its messages
 * name the field); the JSON schemas only document, so fastify neither validates nor serialises
 * with them (see {@link registerDocs}).
 */
export function docSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** The error body every failure has; a 422 also lists each wrong field (`path` as in `tools.webhooks[0].url`, `message` for people). */
export const errorDoc = docSchema(
  z.object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  }),
);

/** Swagger UI at {@link DOCS_PREFIX}; route schemas are documentation, zod validates in the handlers. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Audexly control plane API',
        description:
          'Agents, numbers, Exotel telephony configurations, call logs (records, transcripts, events, recordings), live calls, system health and outbound calls. ' +
          'Every endpoint except health, docs and the Exotel-facing callbacks requires `Authorization: Bearer <AUDEXLY_API_TOKEN>`. ' +
          'Errors are `{"error":{"code","message"}}`. A request whose fields are wrong (a value out of range, a speaker the voice model does not have, ' +
          'something that is not a phone number in a phone-number field, an unknown agent) is refused with 422 and also lists each wrong field: ' +
          '`{"error":{"code","message","problems":[{"path":"tools.transferNumber","message":"Transfer number must be a phone number, e.g. +919876543210"}]}}`; nothing is stored. ' +
          'A body that is not JSON is a 400.',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'agents' },
        { name: 'numbers' },
        { name: 'telephony' },
        { name: 'calls' },
        { name: 'outbound' },
        { name: 'system' },
        { name: 'exotel', description: 'Called by Exotel; authenticated by a capability token in the URL' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}
