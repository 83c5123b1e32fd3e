import type { z } from 'zod';

/**
 * zod's issues in words for people: what follows a field's label ("must be at most 8000
 * characters", "is required"). Used as the per-parse error map, so a schema's own message (written
 * the same way: "must be an Exotel account SID: …") still wins.
 */
export const predicateMap: z.core.$ZodErrorMap = (issue) => predicate(issue);

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  null: 'null',
};

function predicate(issue: z.core.$ZodRawIssue): string {
  const unit = unitOf(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1 ? 'cannot be blank' : `must be at least ${issue.minimum} characters`;
      if (issue.origin === 'array')
        return `must have at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}${unit}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} items`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}${unit}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'must be a URL, e.g. https://example.com/hook';
      if (issue.format === 'datetime') return 'must be an ISO 8601 date and time';
      return 'is not in the expected format';
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}${unit}`;
    case 'invalid_value':
      return oneOf(issue.values);
    case 'invalid_union': {
      const values = issue.errors.flat().flatMap((inner) => (inner.code === 'invalid_value' ? inner.values : []));
      return values.length > 0 ? oneOf(values) : 'is not valid';
    }
    default:
      return 'is not valid';
  }
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => String(v));
  return shown.length === 1 ? `must be ${shown[0]}` : `must be one of ${shown.join(', ')}`;
}

/** ` ms` for fields named `…Ms`, ` s` for `…S`: numbers read with their unit. */
function unitOf(path: readonly PropertyKey[] | undefined): string {
  const last = path?.at(-1);
  if (typeof last !== 'string') return '';
  if (last.endsWith('Ms')) return ' ms';
  if (/[a-z]S$/.test(last)) return ' s';
  return '';
}
