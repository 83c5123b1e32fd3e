import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { sendJson } from '../http-io.js';
import { apiKeyOf, invalidKeyBody } from './auth.js';
import { handleRest } from './rest.js';
import { FakeSarvamState } from './state.js';
import { serveSttSocket } from './stt-ws.js';
import { serveTtsSocket } from './tts-ws.js';
import type { FakeSarvamOptions, SarvamEndpoint, SarvamFailure, SarvamRequestLog } from './types.js';

/** A running fake Sarvam API on loopback. */
export interface FakeSarvam {
  /** REST base, e.g. `http://127.0.0.1:41234` (give it to `createSarvamClient({ baseUrl })`). */
  url: string;
  port: number;
  /** What arrived, in order. */
  requests: SarvamRequestLog[];
  /** Scripts a failure for the next matching request. */
  inject(failure: SarvamFailure): void;
  /** Closes every socket and the server. */
  close(): Promise<void>;
}

/**
 * Starts a faithful fake of Sarvam's STT and TTS APIs (REST and WebSocket) on one port, speaking
 * real synthetic speech (espeak-ng) for TTS.
 */
export async function startFakeSarvam(options: FakeSarvamOptions = {}): Promise<FakeSarvam> {
  const state = new FakeSarvamState(options);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handleRest(state, req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: err.message, code: 'internal_server_error' } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const endpoint: SarvamEndpoint | null = url.pathname === '/speech-to-text/ws' ? 'stt-ws' : url.pathname === '/text-to-speech/ws' ? 'tts-ws' : null;
    const refuse = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    if (!endpoint) return refuse(404, { error: { message: 'Not Found', code: 'not_found_error' } });
    const apiKey = apiKeyOf(req);
    const log = state.log({ endpoint, path: url.pathname, headers: req.headers, apiKey, params: Object.fromEntries(url.searchParams) });
    if (apiKey !== state.apiKey) {
      log.closed = true;
      return refuse(403, invalidKeyBody);
    }
    const failure = state.takeFailure(endpoint);
    if (failure && 'status' in failure) {
      log.closed = true;
      return refuse(failure.status, { error: { message: `injected failure ${failure.status}`, code: 'internal_server_error' } });
    }
    // ws echoes the first requested subprotocol (`api-subscription-key.<key>`), as Sarvam does.
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('close', () => (log.closed = true));
      if (endpoint === 'stt-ws') serveSttSocket(state, ws, req, log, failure);
      else serveTtsSocket(state, ws, url.searchParams.get('send_completion_event') !== 'false', log, failure);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: state.requests,
    inject: (failure) => state.inject(failure),
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
