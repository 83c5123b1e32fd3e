import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify from 'fastify';
import { WebSocketServer } from 'ws';
import type { SampleRate, Stage } from '@audexly/protocol';
import { connectBus, provisionJetStream, type Bus } from '@audexly/bus';
import { createLogger, createMetricsRegistry, startTracing, type Logger } from '@audexly/telemetry';
import { loadDefaultAgent } from './agent.js';
import { AgentDirectory } from './agent-directory.js';
import { EdgeAuth } from './auth/edge-auth.js';
import { CallSession, type SessionSettings } from './call-session.js';
import { busClaim, type ClaimFunction } from './claims.js';
import { loadGatewayConfig } from './config.js';
import { sampleRateFromUrl } from './exotel/protocol.js';
import { createGatewayMetrics } from './metrics.js';
import { loadNoCapacityAudio } from './no-capacity-audio.js';
import { PublishBatch } from './publish-batch.js';
import { SharedTicker } from './shared-ticker.js';
import { StageWatch } from './stage-watch.js';
import { PassthruStore } from './telephony/passthru.js';
import { registerFormParser, registerTelephonyRoutes, TELEPHONY_PREFIX, type TelephonyBackends } from './telephony/routes.js';
import { TransferStore } from './telephony/transfers.js';

/** Where Exotel's Voicebot applet connects; an optional trailing segment carries a token. */
export const STREAM_PATH = `${TELEPHONY_PREFIX}/stream`;
const STREAM_PATH_PATTERN = /^\/api\/v1\/telephony\/exotel\/stream(?:\/([^/]+))?\/?$/;
/** After the drain deadline, how long closing sockets get before they are dropped. */
const CLOSE_GRACE_MS = 1000;

export interface GatewayOptions {
  /** Replaces claiming over `svc.<stage>.claim` (tests). */
  claim?: ClaimFunction;
  /** Claim subject per stage, when `claim` is not given (tests isolate themselves this way). */
  claimSubject?: (stage: Stage) => string;
  /** Replaces the recorded no-capacity apology, per rate (tests use a short one). */
  noCapacityAudio?: ReadonlyMap<SampleRate, Buffer> | null;
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
 * Starts the gateway: HTTP (health, liveness, metrics, Exotel's telephony endpoints) and Exotel's
 * WebSocket on one port. `GATEWAY_PORT=0` picks a free port (tests).
 */
export async function startGateway(env: Record<string, string | undefined>, log?: Logger, options: GatewayOptions = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig(env);
  log ??= createLogger({ service: 'audexly-gateway', level: config.LOG_LEVEL, logPii: config.LOG_PII });
  const defaultAgent = loadDefaultAgent(config);
  const auth = new EdgeAuth({
    basic: config.EXOTEL_STREAM_BASIC_AUTH,
    staticToken: config.EXOTEL_STREAM_TOKEN,
    secret: config.AUDEXLY_SECRET_KEY,
    allowlist: config.EXOTEL_IP_ALLOWLIST,
    trustProxy: config.TRUST_PROXY,
  });
  if (!auth.open) log.info({ auth: auth.describe() }, 'Exotel endpoints require one of these credentials');
  if (auth.open) log.warn('the Exotel stream and telephony endpoints are open: set EXOTEL_STREAM_BASIC_AUTH, EXOTEL_STREAM_TOKEN or AUDEXLY_SECRET_KEY (and EXOTEL_IP_ALLOWLIST)');
  const streamBase = publicStreamBase(config.PUBLIC_URL, log);
  const noCapacityAudio =
    options.noCapacityAudio !== undefined
      ? options.noCapacityAudio
      : await loadNoCapacityAudio().catch((err: unknown) => {
          log.warn({ err }, 'no-capacity apology audio missing: such calls will end without it');
          return null;
        });
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
    maxMessagesPerS: config.MAX_MESSAGES_PER_S,
  };

  /** One pacing timer for all calls. */
  const ticker = new SharedTicker(config.PACER_TICK_MS, (err) => log.error({ err }, 'a paced send failed'));
  const publishBatch = new PublishBatch((err) => log.error({ err }, 'an audio publish failed'));
  const sessions = new Set<CallSession>();
  const byCallId = new Map<string, CallSession>();
  /** Set once NATS is connected; HTTP answers (503) before that. */
  let bus: Bus | undefined = undefined;
  /** Stage heartbeats, one subscription for the process (failover re-claims). */
  let stageWatch: StageWatch | undefined;
  const claimSubject = options.claimSubject ?? (config.CLAIM_SUBJECT_PREFIX ? (stage: Stage) => `${config.CLAIM_SUBJECT_PREFIX}.${stage}.claim` : undefined);
  let backends: TelephonyBackends | null = null;
  let ready = false;
  let draining = false;

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  registerFormParser(app);
  app.get('/api/v1/health', (_req, reply) => {
    const ok = ready && !draining && bus !== undefined && !bus.nc.isClosed();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : draining ? 'draining' : 'starting', calls: sessions.size, maxCalls: config.MAX_CALLS });
  });
  app.get('/livez', () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  registerTelephonyRoutes(app, {
    auth,
    backends: () => backends,
    log,
    streamBase,
    secret: config.AUDEXLY_SECRET_KEY,
    staticToken: config.EXOTEL_STREAM_TOKEN,
    tokenTtlS: config.STREAM_TOKEN_TTL_S,
    accepting: () => ready && !draining,
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: config.MAX_FRAME_BYTES, perMessageDeflate: false });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'socket error during upgrade'));
    const url = new URL(req.url ?? '/', 'http://gateway');
    const match = STREAM_PATH_PATTERN.exec(url.pathname);
    if (!match) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    const token = match[1] !== undefined ? safeDecode(match[1]) : url.searchParams.get('token');
    const verdict = auth.check({ headers: req.headers, remoteAddress: req.socket.remoteAddress, token });
    if (!verdict.ok) {
      metrics.refusedUpgrades.inc({ status: String(verdict.status) });
      log.warn({ status: verdict.status, reason: verdict.reason, remoteAddress: req.socket.remoteAddress }, 'refused a stream upgrade');
      refuse(socket, verdict.status, verdict.status === 401 ? 'Unauthorized' : 'Forbidden');
      return;
    }
    if (!ready || draining || !bus) {
      metrics.refusedUpgrades.inc({ status: '503' });
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    const claim = options.claim ?? busClaim(bus, { timeoutMs: config.CLAIM_TIMEOUT_MS, subjectFor: claimSubject });
    const connectedBus = bus;
    const connected = backends!;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const full = sessions.size >= config.MAX_CALLS;
      const session = new CallSession(ws, {
        bus: connectedBus,
        log,
        metrics,
        settings,
        agentFor: (dialled) => (verdict.agentId !== undefined ? connected.agents.forAgentId(verdict.agentId) : connected.agents.forNumber(dialled)),
        direction: verdict.agentId !== undefined ? 'outbound' : 'inbound',
        claim,
        urlSampleRate: sampleRateFromUrl(url),
        tokenCallSid: verdict.callSid,
        saveTransfer: (decision) => connected.transfers.save(decision),
        noCapacityAudio,
        clock: ticker,
        publishBatch,
        stageWatch,
        register: (callId, s) => {
          if (byCallId.has(callId)) return false;
          byCallId.set(callId, s);
          return true;
        },
        onEnd: (s) => {
          sessions.delete(s);
          if (s.callId !== undefined && byCallId.get(s.callId) === s) byCallId.delete(s.callId);
        },
      });
      sessions.add(session);
      if (full) {
        metrics.limitCloses.inc({ limit: 'max-calls' });
        log.warn({ limit: 'max-calls', maxCalls: config.MAX_CALLS, closeCode: 1013 }, 'closing: the gateway holds MAX_CALLS calls');
        session.refuse('gateway full');
      }
    });
  });

  await app.listen({ port: config.GATEWAY_PORT, host: config.GATEWAY_HOST });
  const port = (app.server.address() as AddressInfo).port;
  log.info({ port }, 'gateway listening; connecting to NATS');
  bus = await connectBus({ servers: config.NATS_URL, name: `audexly-gateway${config.INSTANCE_ID ? `-${config.INSTANCE_ID}` : ''}`, log });
  await provisionJetStream(bus);
  if (config.FAILOVER) {
    stageWatch = new StageWatch(bus, log);
    stageWatch.start();
  }
  backends = {
    agents: new AgentDirectory(bus, defaultAgent, log, config.AGENT_CACHE_MS),
    transfers: new TransferStore(bus),
    passthru: new PassthruStore(bus),
  };
  ready = true;
  log.info({ port, defaultAgent: defaultAgent.name, stream: STREAM_PATH, maxCalls: config.MAX_CALLS }, 'gateway ready');

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
        for (const s of live) s.shutdown();
        await delay(CLOSE_GRACE_MS);
        for (const s of live) s.terminate();
      }
      for (const client of wss.clients) client.terminate();
      wss.close();
      ticker.stop();
      stageWatch?.stop();
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

/** `wss://host[:port]` from PUBLIC_URL (http → ws); null when unset (then the request's Host). */
function publicStreamBase(publicUrl: string | undefined, log: Logger): string | null {
  if (!publicUrl) {
    log.info('PUBLIC_URL unset: dynamic Voicebot URLs use the request Host header');
    return null;
  }
  const url = new URL(publicUrl);
  return `${url.protocol === 'http:' || url.protocol === 'ws:' ? 'ws' : 'wss'}://${url.host}`;
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
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${auth}Content-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
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
