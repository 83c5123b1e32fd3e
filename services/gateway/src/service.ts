/**
 * The gateway, assembled like the api: fastify plugins, each closing what it opened in its
 * `onClose`/`preClose` hook (LIFO: registered first, closed last). The HTTP server listens first —
 * health says `starting` until NATS is up — then the NATS side opens (`GatewayLink`) and calls are
 * taken. `stop` drains: no new calls, live calls until they end or the deadline, then `app.close()`.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { SampleRate, Stage } from '@audexly/protocol';
import { registerBusMetrics, type Bus } from '@audexly/bus';
import { createLogger, createMetricsRegistry, startTracing, type Logger } from '@audexly/telemetry';
import { loadDefaultAgent } from './agent.js';
import { EdgeAuth } from './auth/edge-auth.js';
import type { CallSession, SessionSettings } from './call-session.js';
import type { ClaimFunction } from './claims.js';
import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { GatewayLink } from './gateway-link.js';
import { GatewayState } from './gateway-state.js';
import { LiveSessions } from './live-sessions.js';
import { createGatewayMetrics } from './metrics.js';
import { loadNoCapacityAudio } from './no-capacity-audio.js';
import { opsRoutes } from './ops-routes.js';
import { PublishBatch } from './publish-batch.js';
import { SharedTicker } from './shared-ticker.js';
import { STREAM_PATH, streamUpgrade } from './stream-upgrade.js';
import { registerFormParser, registerTelephonyRoutes } from './telephony/routes.js';

export { STREAM_PATH } from './stream-upgrade.js';

/** After the drain deadline, how long closing sockets get before they are dropped. */
const CLOSE_GRACE_MS = 1000;
const SERVICE = 'audexly-gateway';

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

/** Starts the gateway in-process (tests, the local runner, benches) from environment variables. */
export async function startGateway(
  env: Record<string, string | undefined>,
  log?: Logger,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const config = loadGatewayConfig(env);
  return await serveGateway(
    config,
    log ?? createLogger({ service: SERVICE, level: config.LOG_LEVEL, logPii: config.LOG_PII }),
    options,
  );
}

/**
 * Serves the gateway: HTTP (health, liveness, metrics, Exotel's telephony endpoints) and Exotel's
 * WebSocket on one port. `GATEWAY_PORT=0` picks a free port (tests).
 */
export async function serveGateway(
  config: Readonly<GatewayConfig>,
  log: Logger,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const defaultAgent = loadDefaultAgent(config);
  const auth = edgeAuth(config, log);
  const noCapacityAudio =
    options.noCapacityAudio !== undefined
      ? options.noCapacityAudio
      : await loadNoCapacityAudio().catch((err: unknown) => {
          log.warn({ err }, 'no-capacity apology audio missing: such calls will end without it');
          return null;
        });
  const tracing = startTracing({
    service: config.OTEL_SERVICE_NAME ?? SERVICE,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const registry = createMetricsRegistry(SERVICE);
  const metrics = createGatewayMetrics(registry);
  const state = new GatewayState();
  const sessions = new LiveSessions<CallSession>();
  const ticker = new SharedTicker(config.PACER_TICK_MS, (err) => log.error({ err }, 'a paced send failed'));

  // Path parameters up to 512 characters: a per-call token in `/passthru/<token>` is over fastify's default 100.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, routerOptions: { maxParamLength: 512 } });
  app.addHook('onClose', () => tracing.shutdown());
  app.addHook('onClose', () => state.link?.close() ?? Promise.resolve());
  app.addHook('onClose', () => {
    ticker.stop();
    return Promise.resolve();
  });
  await app.register(opsRoutes({ state, calls: () => sessions.size, maxCalls: config.MAX_CALLS, registry }));
  await app.register((scope) => {
    registerFormParser(scope);
    registerTelephonyRoutes(scope, {
      auth,
      backends: () => state.link?.backends ?? null,
      log,
      streamBase: publicStreamBase(config.PUBLIC_URL, log),
      secret: config.AUDEXLY_SECRET_KEY,
      staticToken: config.EXOTEL_STREAM_TOKEN,
      tokenTtlS: config.STREAM_TOKEN_TTL_S,
      accepting: () => state.accepting !== null,
    });
    return Promise.resolve();
  });
  await app.register(
    streamUpgrade({
      state,
      sessions,
      auth,
      log,
      metrics,
      settings: sessionSettings(config),
      maxCalls: config.MAX_CALLS,
      maxFrameBytes: config.MAX_FRAME_BYTES,
      claimTimeoutMs: config.CLAIM_TIMEOUT_MS,
      claim: options.claim,
      claimSubject:
        options.claimSubject ??
        (config.CLAIM_SUBJECT_PREFIX ? (stage: Stage) => `${config.CLAIM_SUBJECT_PREFIX}.${stage}.claim` : undefined),
      noCapacityAudio,
      ticker,
      publishBatch: new PublishBatch((err) => log.error({ err }, 'an audio publish failed')),
    }),
  );

  await app.listen({ port: config.GATEWAY_PORT, host: config.GATEWAY_HOST });
  const port = (app.server.address() as AddressInfo).port;
  log.info({ port }, 'gateway listening; connecting to NATS');
  const link = await GatewayLink.open(config, defaultAgent, log);
  registerBusMetrics(registry, link.bus);
  state.opened(link);
  log.info({ port, defaultAgent: defaultAgent.name, stream: STREAM_PATH, maxCalls: config.MAX_CALLS }, 'gateway ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      state.drain();
      log.info({ calls: sessions.size, deadlineMs: config.DRAIN_TIMEOUT_MS }, 'draining');
      await sessions.drain(config.DRAIN_TIMEOUT_MS, CLOSE_GRACE_MS, log);
      await app.close();
      log.info('gateway stopped');
    })());

  return {
    port,
    bus: link.bus,
    get activeCalls() {
      return sessions.size;
    },
    stop,
  };
}

/** What each call session is configured with. */
function sessionSettings(config: Readonly<GatewayConfig>): SessionSettings {
  return {
    chunkMs: config.CHUNK_MS,
    chunkMinMs: config.CHUNK_MIN_MS,
    chunkMaxMs: config.CHUNK_MAX_MS,
    leadMs: config.PLAYOUT_LEAD_MS,
    hangupTimeoutMs: config.HANGUP_TIMEOUT_MS,
    prestartBufferMs: config.PRESTART_BUFFER_MS,
    audioHoldMs: config.AUDIO_HOLD_MS,
    startTimeoutMs: 15_000,
    bargeIn: config.BARGE_IN,
    maxMessagesPerS: config.MAX_MESSAGES_PER_S,
  };
}

/** Who may reach the Exotel endpoints (stream and telephony routes); says so in the log. */
function edgeAuth(config: Readonly<GatewayConfig>, log: Logger): EdgeAuth {
  const auth = new EdgeAuth({
    basic: config.EXOTEL_STREAM_BASIC_AUTH,
    staticToken: config.EXOTEL_STREAM_TOKEN,
    secret: config.AUDEXLY_SECRET_KEY,
    allowlist: config.EXOTEL_IP_ALLOWLIST,
    trustProxy: config.TRUST_PROXY,
  });
  if (auth.open)
    log.warn(
      'the Exotel stream and telephony endpoints are open: set EXOTEL_STREAM_BASIC_AUTH, EXOTEL_STREAM_TOKEN or AUDEXLY_SECRET_KEY (and EXOTEL_IP_ALLOWLIST)',
    );
  else log.info({ auth: auth.describe() }, 'Exotel endpoints require one of these credentials');
  return auth;
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
