/**
 * Exotel's WebSocket: the upgrade of `/api/v1/telephony/exotel/stream[/<token>]`, authorised before
 * the socket is accepted, and one call session per accepted socket. A fastify plugin: its
 * `preClose` hook drops any socket still open when the server closes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import type { SampleRate, Stage } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import type { EdgeAuth } from './auth/edge-auth.js';
import { bindOutboundToken } from './auth/outbound-binding.js';
import { CallSession, type SessionSettings } from './call-session.js';
import { busClaim, type ClaimFunction } from './claims.js';
import { sampleRateFromUrl } from './exotel/protocol.js';
import type { GatewayState } from './gateway-state.js';
import type { LiveSessions } from './live-sessions.js';
import type { GatewayMetrics } from './metrics.js';
import type { PublishBatch } from './publish-batch.js';
import type { SharedTicker } from './shared-ticker.js';
import { TELEPHONY_PREFIX } from './telephony/routes.js';

/** Where Exotel's Voicebot applet connects; an optional trailing segment carries a token. */
export const STREAM_PATH = `${TELEPHONY_PREFIX}/stream`;
const STREAM_PATH_PATTERN = /^\/api\/v1\/telephony\/exotel\/stream(?:\/([^/]+))?\/?$/;

export interface StreamUpgradeDeps {
  state: GatewayState;
  sessions: LiveSessions<CallSession>;
  auth: EdgeAuth;
  log: Logger;
  metrics: GatewayMetrics;
  settings: SessionSettings;
  maxCalls: number;
  maxFrameBytes: number;
  claimTimeoutMs: number;
  /** Replaces claiming over `svc.<stage>.claim` (tests). */
  claim: ClaimFunction | undefined;
  /** Claim subject per stage, when `claim` is not given. */
  claimSubject: ((stage: Stage) => string) | undefined;
  noCapacityAudio: ReadonlyMap<SampleRate, Buffer> | null;
  /** One pacing timer for all calls. */
  ticker: SharedTicker;
  publishBatch: PublishBatch;
}

export function streamUpgrade(deps: StreamUpgradeDeps) {
  return (app: FastifyInstance): Promise<void> => {
    const { state, sessions, auth, log, metrics } = deps;
    const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxFrameBytes, perMessageDeflate: false });

    const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://gateway');
      const match = STREAM_PATH_PATTERN.exec(url.pathname);
      if (!match) {
        refuse(socket, 404, 'Not Found');
        return;
      }
      const token = match[1] !== undefined ? safeDecode(match[1]) : url.searchParams.get('token');
      // An outbound token admits only the call the api placed with it.
      const verdict = await bindOutboundToken(
        auth.check({ headers: req.headers, remoteAddress: req.socket.remoteAddress, token }),
        state.link?.backends.outboundBindings,
      );
      if (!verdict.ok) {
        metrics.refusedUpgrades.inc({ status: String(verdict.status) });
        log.warn(
          { status: verdict.status, reason: verdict.reason, remoteAddress: req.socket.remoteAddress },
          'refused a stream upgrade',
        );
        refuse(socket, verdict.status, verdict.status === 401 ? 'Unauthorized' : 'Forbidden');
        return;
      }
      const link = state.accepting;
      if (!link) {
        metrics.refusedUpgrades.inc({ status: '503' });
        refuse(socket, 503, 'Service Unavailable');
        return;
      }
      const claim = deps.claim ?? busClaim(link.bus, { timeoutMs: deps.claimTimeoutMs, subjectFor: deps.claimSubject });
      const { agents, transfers } = link.backends;
      wss.handleUpgrade(req, socket, head, (ws) => {
        const full = sessions.size >= deps.maxCalls;
        const session = new CallSession(ws, {
          bus: link.bus,
          log,
          metrics,
          settings: deps.settings,
          agentFor: (dialled) =>
            verdict.agentId !== undefined ? agents.forAgentId(verdict.agentId) : agents.forNumber(dialled),
          direction: verdict.agentId !== undefined ? 'outbound' : 'inbound',
          claim,
          urlSampleRate: sampleRateFromUrl(url),
          tokenCallSid: verdict.callSid,
          saveTransfer: (decision) => transfers.save(decision),
          noCapacityAudio: deps.noCapacityAudio,
          clock: deps.ticker,
          publishBatch: deps.publishBatch,
          stageWatch: link.stageWatch,
          natsLink: link.natsLink,
          register: (callId, s) => sessions.register(callId, s),
          onEnd: (s) => sessions.ended(s),
        });
        sessions.add(session);
        if (full) {
          metrics.limitCloses.inc({ limit: 'max-calls' });
          log.warn(
            { limit: 'max-calls', maxCalls: deps.maxCalls, closeCode: 1013 },
            'closing: the gateway holds MAX_CALLS calls',
          );
          session.refuse('gateway full');
        }
      });
    };

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      socket.on('error', (err) => log.debug({ err }, 'socket error during upgrade'));
      upgrade(req, socket, head).catch((err: unknown) => {
        log.error({ err }, 'stream upgrade failed');
        refuse(socket, 503, 'Service Unavailable');
      });
    };
    app.server.on('upgrade', onUpgrade);
    // Before the server closes (it would wait for upgraded sockets): drop what is still open.
    app.addHook('preClose', () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      return Promise.resolve();
    });
    return Promise.resolve();
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  const auth = status === 401 ? 'WWW-Authenticate: Basic realm="audexly-exotel"\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${auth}Content-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
  socket.destroy();
}
