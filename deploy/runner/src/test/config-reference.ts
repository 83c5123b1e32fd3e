import type { z } from 'zod';
import { commonSchema } from '@audexly/config';
import { stageSchema } from '@audexly/stage';
import { apiSchema } from '@audexly/api';
import { gatewaySchema } from '@audexly/gateway';
import { llmServiceConfigSchema } from '@audexly/llm';
import { recorderSchema } from '@audexly/recorder';
import { sttConfigSchema } from '@audexly/stt';
import { ttsServiceConfigSchema } from '@audexly/tts';

/** Every service's configuration schema: the source of docs/configuration.md. */
const SERVICES: [string, z.ZodObject][] = [
  ['gateway', gatewaySchema],
  ['stt', sttConfigSchema],
  ['llm', llmServiceConfigSchema],
  ['tts', ttsServiceConfigSchema],
  ['recorder', recorderSchema],
  ['api', apiSchema],
];

/** Variables without a key-specific description still show what kind of value they take. */
function describe(field: z.ZodType): string {
  return (field.description ?? '').replace(/\|/g, '\\|');
}

function defaultOf(field: z.ZodType): string {
  const result = field.safeParse(undefined);
  if (!result.success) return 'required';
  if (result.data === undefined) return '—';
  return `\`${typeof result.data === 'string' ? result.data : JSON.stringify(result.data)}\``;
}

/** The markdown of docs/configuration.md, generated from the schemas so it never drifts. */
export function configurationReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    "<!-- Generated from each service's src/config.ts by `npm run docs:config`; a test fails when it is stale. -->",
    '',
    'Every service validates its environment at start-up and refuses to start, listing every problem,',
    'when a value is invalid. Empty values count as unset. Variables shared by all services are described',
    'in [architecture.md](architecture.md#configuration-contract).',
  ];
  const common = Object.keys(commonSchema.shape);
  const stage = Object.keys(stageSchema(0).shape).filter((key) => !common.includes(key));
  const table = (title: string, schema: z.ZodObject, keys: string[]) => {
    lines.push('', `## ${title}`, '', '| variable | default | meaning |', '| --- | --- | --- |');
    for (const key of keys) {
      const field = (schema.shape as Record<string, z.ZodType>)[key]!;
      const fallback = key === 'METRICS_PORT' && title.startsWith('Every') ? 'per service (below)' : defaultOf(field);
      lines.push(`| \`${key}\` | ${fallback} | ${describe(field)} |`);
    }
  };
  table('Every service', commonSchema, common);
  table('Every stage service (stt, llm, tts, recorder)', stageSchema(0), stage);
  lines.push(
    '',
    '`METRICS_PORT` defaults: stt 9101, llm 9102, tts 9103, recorder 9104 (9100 in the container images).',
  );
  const stageServices = ['stt', 'llm', 'tts', 'recorder'];
  for (const [service, schema] of SERVICES) {
    const inherited = stageServices.includes(service) ? [...common, ...stage] : common;
    table(
      service,
      schema,
      Object.keys(schema.shape).filter((key) => !inherited.includes(key)),
    );
  }
  return `${lines.join('\n')}\n`;
}
