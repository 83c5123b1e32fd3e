import { toE164 } from '@audexly/protocol/catalogue';
import type { FieldProblem } from './field-problem.js';

/**
 * Every field that holds a phone number is checked like one: normalised to E.164 for storing, or
 * refused with a message that names the field. Pure: shared by the API and its dashboard.
 */

/** Longest text a phone-number field takes (E.164 has at most 15 digits; spaces and dashes allowed). */
export const PHONE_MAX_CHARS = 32;
export const PHONE_EXAMPLE = '+919876543210';

export type PhoneCheck = { ok: true; e164: string } | { ok: false; problem: FieldProblem };

export function checkPhone(raw: string, path: string, label: string): PhoneCheck {
  const e164 = raw.length <= PHONE_MAX_CHARS ? toE164(raw) : undefined;
  return e164
    ? { ok: true, e164 }
    : { ok: false, problem: { path, message: `${label} must be a phone number, e.g. ${PHONE_EXAMPLE}` } };
}
