import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { apiReachable, fetchCallRecord } from './call-record.js';

describe('call record fetch', () => {
  it('retries until the recorder has written the record, sending the API token', async () => {
    let asks = 0;
    const auth: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      if (req.url === '/api/v1/health') return res.writeHead(200).end('{}');
      auth.push(req.headers.authorization);
      if (++asks < 3) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          record: {
            transcript: [
              { role: 'agent', text: 'Namaste!' },
              { role: 'caller', text: 'hi', extra: 1 },
            ],
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await apiReachable(api)).toBe(true);
      const record = await fetchCallRecord({ api, callId: 'abc', token: 'tok', waitMs: 5000 });
      expect(record).toEqual({
        transcript: [
          { role: 'agent', text: 'Namaste!' },
          { role: 'caller', text: 'hi' },
        ],
      });
      expect(asks).toBe(3);
      expect(auth).toEqual(['Bearer tok', 'Bearer tok', 'Bearer tok']);
    } finally {
      server.close();
    }
  });

  it('reports an unreachable API', async () => {
    expect(await apiReachable('http://127.0.0.1:1')).toBe(false);
  });
});
