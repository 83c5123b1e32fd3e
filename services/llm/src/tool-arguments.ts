import { z } from 'zod';

export type ParsedArguments = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

const compiled = new WeakMap<object, z.ZodType | null>();

/**
 * The model's argument text for a tool, parsed and checked against the tool's JSON schema. The
 * model may produce invalid JSON or wrong fields; the error goes back to it as the tool's result.
 */
export function parseToolArguments(text: string, schema: Record<string, unknown>): ParsedArguments {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `arguments are not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'arguments must be a JSON object' };
  const validator = validatorFor(schema);
  if (validator) {
    const result = validator.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`);
      return { ok: false, error: `invalid arguments: ${issues.join('; ')}` };
    }
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** A zod validator for a JSON schema, or null when zod cannot read the schema (then only "an object" is checked). */
function validatorFor(schema: Record<string, unknown>): z.ZodType | null {
  let validator = compiled.get(schema);
  if (validator === undefined) {
    try {
      validator = z.fromJSONSchema(schema);
    } catch {
      validator = null;
    }
    compiled.set(schema, validator);
  }
  return validator;
}
