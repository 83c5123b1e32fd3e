/** Exotel's time format: `YYYY-MM-DD HH:mm:ss` in IST. */
export function exotelTime(ms: number): string {
  return new Date(ms + 5.5 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Exotel's error body (JSON). */
export function restException(status: number, message: string): { RestException: { Status: number; Message: string } } {
  return { RestException: { Status: status, Message: message } };
}

/** `{ "Call": {...} }` as XML (Exotel answers XML without the `.json` suffix). */
export function callXml(call: Record<string, unknown>): string {
  const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const fields = Object.entries(call)
    .map(([k, v]) =>
      v === null || v === undefined ? `<${k}/>` : `<${k}>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</${k}>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse><Call>${fields}</Call></TwilioResponse>\n`;
}

/** Form fields, repeated keys as arrays. */
export function readForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prior = out[key];
    out[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}
