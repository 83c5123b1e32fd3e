import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify from 'fastify';
import { WebSocketServer } from 'ws';
import type { Stage } from '@audexly/protocol';
import { connectBus, provisionJetStream, type Bus } from '@audexly/bus';
import { createLogger, createMetricsRegistry, startTracing, type Logger } from '@audexly/telemetry';
import { loadDefaultAgent } from './agent.js';
import { CallSession, type SessionSettings } from './call-session.js';
import { busClaim, type ClaimFunction } from './claims.js';
import { loadGatewayConfig } from './config.js';
import { sampleRateFromUrl } from './exotel/protocol.js';
import { createGatewayMetrics } from './metrics.js';

/** Where Exotel's Voicebot applet connects; an optional trailing segment carries a token later. */
export const STREAM_PATH = '/api/v1/telephony/exotel/stream';
const STREAM_PATH_PATTERN = /^\/api\/v1\/telephony\/exotel\/stream(?:\/([^/]+))?\/?$/;
/** Exotel's own limit is 100 000 bytes per outbound chunk; inbound frames are ~2 KB. */
const MAX_PAYLOAD = 64 * 1024;
/** After the drain deadline, how long closing sockets get before they are dropped. */
const CLOSE_GRACE_MS = 1000;

export interface GatewayOptions {
  /** Replaces claiming over `svc.<stage>.claim` (tests). */
  claim?: ClaimFunction;
  /** Claim subject per stage, when `claim` is not given (tests isolate themselves this way). */
  claimSubject?: (stage: Stage) => string;
}

export interface RunningGateway {
  readonly port: number;
  readonly bus: Bus;
  /** Calls with an open Exotel socket. */
  readonly activeCalls: number;
  /** Drains: readiness 503, new calls refused, live calls continue until they end or the deadline. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway: HTTP (health, liveness, metrics) and Exotel's WebSocket on one port.
 * `GATEWAY_PORT=0` picks a free port (tests).
 */
export async function startGateway(env: Record<string, string | undefined>, log?: Logger, options: GatewayOptions = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig(env);
  log ??= createLogger({ service: 'audexly-gateway', level: config.LOG_LEVEL, logPii: config.LOG_PII });
  const agent = loadDefaultAgent(config);
  const tracing = startTracing({ service: config.OTEL_SERVICE_NAME ?? 'audexly-gateway', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const registry = createMetricsRegistry('audexly-gateway');
  const metrics = createGatewayMetrics(registry);
  const settings: SessionSettings = {
    chunkMs: config.CHUNK_MS,
    chunkMinMs: config.CHUNK_MIN_MS,
    chunkMaxMs: config.CHUNK_MAX_MS,
    leadMs: config.PLAYOUT_LEAD_MS,
    hangupTimeoutMs: config.HANGUP_TIMEOUT_MS,
    prestartBufferMs: config.PRESTART_BUFFER_MS,
    startTimeoutMs: 15_000,
    bargeIn: config.BARGE_IN,
  };

  const sessions = new Set<CallSession>();
  /** Set once NATS is connected; HTTP answers (503) before that. */
  let bus: Bus | undefined = undefined;
  let ready = false;
  let draining = false;

  const app = Fastify({ logger: false });
  app.get('/api/v1/health', (_req, reply) => {
    const ok = ready && !draining && bus !== undefined && !bus.nc.isClosed();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : draining ? 'draining' : 'starting', calls: sessions.size });
  });
  app.get('/livez', () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (!STREAM_PATH_PATTERN.test(url.pathname)) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    if (!ready || draining || !bus) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    const claim = options.claim ?? busClaim(bus, { timeoutMs: config.CLAIM_TIMEOUT_MS, subjectFor: options.claimSubject });
    const connectedBus = bus;
    socket.on('error', (err) => log.debug({ err }, 'socket error during upgrade'));
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new CallSession(ws, {
        bus: connectedBus,
        log,
        metrics,
        settings,
        agent,
        claim,
        urlSampleRate: sampleRateFromUrl(url),
        onEnd: (s) => sessions.delete(s),
      });
      sessions.add(session);
    });
  });

  await app.listen({ port: config.GATEWAY_PORT, host: config.GATEWAY_HOST });
  const port = (app.server.address() as AddressInfo).port;
  log.info({ port }, 'gateway listening; connecting to NATS');
  bus = await connectBus({ servers: config.NATS_URL, name: `audexly-gateway${config.INSTANCE_ID ? `-${config.INSTANCE_ID}` : ''}`, log });
  await provisionJetStream(bus);
  ready = true;
  log.info({ port, agent: agent.name, stream: STREAM_PATH }, 'gateway ready');

  const connected = bus;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      log.info({ calls: sessions.size, deadlineMs: config.DRAIN_TIMEOUT_MS }, 'draining');
      await waitForSessions(sessions, config.DRAIN_TIMEOUT_MS);
      if (sessions.size > 0) {
        log.warn({ calls: sessions.size }, 'drain deadline passed, ending live calls');
        const live = [...sessions];
        for (const s of live) s.end('shutdown', 'gateway drain deadline', 1001, 'shutdown');
        await delay(CLOSE_GRACE_MS);
        for (const s of live) s.terminate();
      }
      for (const client of wss.clients) client.terminate();
      wss.close();
      await app.close();
      await connected.drain();
      await tracing.shutdown();
      log.info('gateway stopped');
    })());

  return {
    port,
    bus: connected,
    get activeCalls() {
      return sessions.size;
    },
    stop,
  };
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
  socket.destroy();
}

async function waitForSessions(sessions: Set<CallSession>, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (sessions.size > 0 && Date.now() < until) {
    const next = Promise.race([...sessions].map((s) => s.done));
    await Promise.race([next, delay(Math.max(0, Math.min(1000, until - Date.now())))]);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
