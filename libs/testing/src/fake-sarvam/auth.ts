import type { IncomingMessage } from 'node:http';

const prefix = 'api-subscription-key.';

/** The key from the `api-subscription-key` header, `Authorization: Bearer`, or the `api-subscription-key.<key>` WebSocket subprotocol. */
export function apiKeyOf(req: IncomingMessage): string | null {
  const header = req.headers['api-subscription-key'];
  if (typeof header === 'string' && header) return header;
  const bearer = req.headers.authorization;
  if (bearer?.startsWith('Bearer ')) return bearer.slice(7);
  return subprotocolKey(req);
}

/** The key carried in the WebSocket subprotocol list, if any. */
export function subprotocolKey(req: IncomingMessage): string | null {
  const protocols = req.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim()) ?? [];
  const match = protocols.find((p) => p.startsWith(prefix));
  return match ? match.slice(prefix.length) : null;
}

/** Sarvam's auth failure body (HTTP 403, not 401). */
export const invalidKeyBody = {
  error: { message: 'Invalid API key. Please check your api-subscription-key.', code: 'invalid_api_key_error' },
};
