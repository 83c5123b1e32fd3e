import type { z } from 'zod';

/** A parse result: the data, or one message that names every field that is wrong. */
export type Parsed<T> = { ok: true; data: T } | { ok: false; message: string };

const MAX_ISSUES = 8;

function label(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(body)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** `prompt: Invalid input: expected string, received undefined; stt.model: Too small…` */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, MAX_ISSUES).map((issue) => `${label(issue.path)}: ${issue.message}`);
  if (issues.length > MAX_ISSUES) parts.push(`and ${issues.length - MAX_ISSUES} more`);
  return parts.join('; ');
}

interface ZodInternals {
  _zod: { def: { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType } };
}

/** Unwraps defaults, optionals and the like down to the schema that holds the shape. */
function core(schema: z.ZodType): ZodInternals['_zod']['def'] {
  let def = (schema as unknown as ZodInternals)._zod.def;
  while (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) {
    def = (def.innerType as unknown as ZodInternals)._zod.def;
  }
  return def;
}

/**
 * Fields of `value` that `schema` does not know, at any depth of nested objects and arrays
 * (records are open by design). zod drops unknown keys quietly; a client that sends `promt`
 * deserves to hear about it.
 */
export function unknownFields(schema: z.ZodType, value: unknown, path: readonly (string | number)[] = []): string[] {
  const def = core(schema);
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.flatMap((item, i) => unknownFields(element, item, [...path, i]));
  }
  if (def.type !== 'object' || !def.shape || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const shape = def.shape;
  return Object.entries(value).flatMap(([key, item]) => {
    const field = shape[key];
    return field ? unknownFields(field, item, [...path, key]) : [label([...path, key])];
  });
}

/** Validates with zod and refuses unknown fields, with a message that says what is wrong. */
export function parseStrict<S extends z.ZodType>(schema: S, value: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(value);
  if (!result.success) return { ok: false, message: describeIssues(result.error.issues) };
  const unknown = unknownFields(schema, value);
  if (unknown.length > 0) return { ok: false, message: `unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` };
  return { ok: true, data: result.data };
}
