import type { z } from 'zod';
import type { FieldProblem } from './fields/field-problem.js';
import { labelFor, type FieldLabels } from './fields/labels.js';
import { predicateMap } from './zod-messages.js';

/** A parse result: the data, or every field that is wrong, each with a message for people. */
export type Parsed<T> = { ok: true; data: T } | { ok: false; problems: FieldProblem[] };

/** Problems listed in one answer, at most (a body wrong everywhere need not list every field). */
const MAX_PROBLEMS = 20;

/** `tools.webhooks[0].url`: the path as the API's problems and the dashboard name it. */
export function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** Each zod issue as a problem: its field's path, and its label followed by what is wrong. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], labels: FieldLabels): FieldProblem[] {
  return issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const path = pathOf(issue.path);
    return { path, message: `${labelFor(labels, path)} ${issue.message}` };
  });
}

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      shape?: Record<string, z.ZodType>;
      innerType?: z.ZodType;
      element?: z.ZodType;
      in?: z.ZodType;
    };
  };
}

/** Unwraps defaults, optionals, pipes and the like down to the schema that holds the shape. */
function core(schema: z.ZodType): ZodInternals['_zod']['def'] {
  let def = (schema as unknown as ZodInternals)._zod.def;
  for (;;) {
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type))
      def = (def.innerType as unknown as ZodInternals)._zod.def;
    else if (def.type === 'pipe' && def.in) def = (def.in as unknown as ZodInternals)._zod.def;
    else return def;
  }
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
  if (def.type !== 'object' || !def.shape || typeof value !== 'object' || value === null || Array.isArray(value))
    return [];
  const shape = def.shape;
  return Object.entries(value).flatMap(([key, item]) => {
    const field = shape[key];
    return field ? unknownFields(field, item, [...path, key]) : [pathOf([...path, key])];
  });
}

/** Problems for fields the schema does not know. */
export function unknownFieldProblems(schema: z.ZodType, value: unknown): FieldProblem[] {
  return unknownFields(schema, value)
    .slice(0, MAX_PROBLEMS)
    .map((path) => ({ path, message: `“${path}” is not a field this request takes` }));
}

/** Validates with zod and refuses unknown fields, each problem in words for people. */
export function parseStrict<S extends z.ZodType>(schema: S, value: unknown, labels: FieldLabels): Parsed<z.infer<S>> {
  const result = schema.safeParse(value, { error: predicateMap });
  if (!result.success) return { ok: false, problems: problemsFromIssues(result.error.issues, labels) };
  const unknown = unknownFieldProblems(schema, value);
  if (unknown.length > 0) return { ok: false, problems: unknown };
  return { ok: true, data: result.data };
}
