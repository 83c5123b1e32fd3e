/**
 * Phone numbers as Exotel sends them (`+919876543210`, `09876543210`, `919876543210`,
 * `080 4749 1899`) normalised to E.164, and the key a number has in the `numbers` KV bucket.
 */

/**
 * Normalises a number to E.164. Indian national forms (a leading 0, or 10 digits) get +91;
 * anything already international is kept. Returns undefined when it is not a phone number.
 */
export function toE164(raw: string, defaultCountryCode = '91'): string | undefined {
  const trimmed = raw.trim();
  const plus = trimmed.startsWith('+');
  const digits = trimmed.replace(/[\s().-]/g, '').replace(/^\+/, '');
  if (!/^\d{6,15}$/.test(digits)) return undefined;
  if (plus) return `+${digits}`;
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  if (digits.startsWith('0')) return `+${defaultCountryCode}${digits.slice(1)}`;
  if (digits.length === 10) return `+${defaultCountryCode}${digits}`;
  return `+${digits}`;
}

/** KV key of a number in the `numbers` bucket (KV keys cannot hold `+`): the E.164 digits. */
export function numberKey(e164: string): string {
  return e164.replace(/^\+/, '');
}
