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

/** The error body every failure has. */
export const errorDoc = docSchema(z.object({ error: z.object({ code: z.string(), message: z.string() }) }));

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
          'Errors are `{"error":{"code","message"}}`.',
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
