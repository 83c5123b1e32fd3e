import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { sendJson } from '../http-io.js';
import { apiKeyOf, invalidKeyBody } from './auth.js';
import { restErrorBody } from './errors.js';
import { handleRest } from './rest.js';
import { FakeSarvamState } from './state.js';
import { refuseSttRealtimeSocket, serveSttRealtimeSocket } from './stt-realtime-ws.js';
import { serveSttSocket } from './stt-ws.js';
import { serveTtsSocket } from './tts-ws.js';
import type { FakeSarvamOptions, SarvamEndpoint, SarvamFailure, SarvamRequestLog } from './types.js';
import { checkSttSocketQuery } from './validate-stt.js';
import { checkSttRealtimeQuery } from './validate-stt-realtime.js';
import { checkTtsSocketQuery } from './validate-tts.js';

/** A running fake Sarvam API on loopback. */
export interface FakeSarvam {
  /** REST base, e.g. `http://127.0.0.1:41234` (give it to `createSarvamClient({ baseUrl })`). */
  url: string;
  port: number;
  /** What arrived (and what the fake answered), in order; stays empty with `keepRequestLog: false`. */
  requests: SarvamRequestLog[];
  /** Scripts a failure for the next matching request. */
  inject(failure: SarvamFailure): void;
  /** Closes every socket and the server. */
  close(): Promise<void>;
}

/**
 * Starts a faithful fake of Sarvam's STT and TTS APIs (REST, the legacy and realtime STT sockets,
 * the TTS socket) on one port: it refuses what the real service refuses (the catalogue in
 * `@audexly/protocol`), segments streamed speech with its own VAD, and speaks real synthetic speech
 * (espeak-ng) for TTS. Options and failures: `types.ts`.
 */
export async function startFakeSarvam(options: FakeSarvamOptions = {}): Promise<FakeSarvam> {
  const state = new FakeSarvamState(options);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handleRest(state, req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, restErrorBody(500, err.message));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true });
  const socketPaths: Record<string, SarvamEndpoint> = {
    '/speech-to-text/ws': 'stt-ws',
    '/speech-to-text-realtime/ws': 'stt-realtime-ws',
    '/text-to-speech/ws': 'tts-ws',
  };

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const endpoint = Object.hasOwn(socketPaths, url.pathname) ? socketPaths[url.pathname] : undefined;
    if (!endpoint) return refuseUpgrade(socket, 404, restErrorBody(404, 'Not Found'));
    const apiKey = apiKeyOf(req);
    const log = state.log({
      endpoint,
      path: url.pathname,
      headers: req.headers,
      apiKey,
      params: Object.fromEntries(url.searchParams),
    });
    // The realtime socket refuses after the upgrade (a fatal error, then a close); the others at it.
    const refuse = (status: number, message: string, body: unknown = restErrorBody(status, message)): void => {
      if (endpoint === 'stt-realtime-ws')
        return wss.handleUpgrade(req, socket, head, (ws) => {
          log.status = 101;
          ws.on('close', () => (log.closed = true));
          refuseSttRealtimeSocket(ws, log, status, message);
        });
      log.status = status;
      log.closed = true;
      refuseUpgrade(socket, status, body);
    };
    if (apiKey !== state.apiKey) return refuse(403, invalidKeyBody.error.message, invalidKeyBody);
    const failure = state.takeFailure(endpoint);
    if (failure && 'status' in failure) return refuse(failure.status, `injected failure ${failure.status}`);
    const stt = endpoint === 'stt-ws' ? checkSttSocketQuery(url.searchParams) : null;
    if (stt && !stt.ok) return refuse(400, stt.message);
    const realtime = endpoint === 'stt-realtime-ws' ? checkSttRealtimeQuery(url.searchParams) : null;
    if (realtime && !realtime.ok) return refuse(400, realtime.message);
    const tts = endpoint === 'tts-ws' ? checkTtsSocketQuery(url.searchParams) : null;
    if (tts && !tts.ok) return refuse(tts.refusal.status, tts.refusal.message);
    // ws echoes the first requested subprotocol (`api-subscription-key.<key>`), as Sarvam does.
    wss.handleUpgrade(req, socket, head, (ws) => {
      log.status = 101;
      ws.on('close', () => (log.closed = true));
      if (stt?.ok) serveSttSocket(state, ws, stt.value, log, failure);
      else if (realtime?.ok) serveSttRealtimeSocket(state, ws, realtime.value, log, failure);
      else if (tts?.ok) serveTtsSocket(state, ws, tts.value, log, failure);
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

/** Answers an upgrade request with an HTTP error and Sarvam's JSON body; the client's connect fails. */
function refuseUpgrade(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}
