/**
 * Exotel-facing HTTP endpoints besides the stream: the dynamic Voicebot URL, the Connect applet's
 * transfer target, and the Passthru stream outcome. Each accepts GET (query) and POST (form or
 * JSON), and, when auth is configured, the same credentials as the stream (Basic, the static token
 * or a per-call token as `?token=` or the last path segment) behind the optional IP allowlist.
 * An outbound stream token opens only the stream of its own call, never these endpoints (which
 * would mint per-call tokens for any CallSid, or read any call's transfer number).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toCallId } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import type { AgentDirectory } from '../agent-directory.js';
import { mintCallToken } from '../auth/capability-token.js';
import type { EdgeAuth } from '../auth/edge-auth.js';
import type { OutboundBindings } from '../auth/outbound-binding.js';
import { parsePassthru, type PassthruStore } from './passthru.js';
import { connectTarget, type TransferStore } from './transfers.js';

export const TELEPHONY_PREFIX = '/api/v1/telephony/exotel';

/** What the endpoints need from NATS; null until the gateway is connected. */
export interface TelephonyBackends {
  agents: AgentDirectory;
  transfers: TransferStore;
  passthru: PassthruStore;
  /** Which call each outbound stream token admits (KV `outbound`). */
  outboundBindings: OutboundBindings;
}

export interface TelephonyRouteDeps {
  auth: EdgeAuth;
  backends(): TelephonyBackends | null;
  log: Logger;
  /** `wss://host` (or `ws://host`) Exotel connects to; null = from the request's Host. */
  streamBase: string | null;
  /** Per-call tokens are minted with this key when set. */
  secret: string | undefined;
  staticToken: string | undefined;
  tokenTtlS: number;
  /** False while draining or before NATS is up: the dynamic URL answers 503 then. */
  accepting(): boolean;
}

type Params = Record<string, unknown>;

function params(req: FastifyRequest): Params {
  const query = (typeof req.query === 'object' && req.query !== null ? req.query : {}) as Params;
  const body =
    typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Params) : {};
  return { ...query, ...body };
}

function first(p: Params, ...keys: string[]): string | null {
  for (const key of keys) {
    const v = p[key];
    const value = Array.isArray(v) ? (v[0] as unknown) : v;
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number') return String(value);
  }
  return null;
}

/** `application/x-www-form-urlencoded` bodies as flat objects (Exotel's form POSTs). */
export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
}

export function registerTelephonyRoutes(app: FastifyInstance, deps: TelephonyRouteDeps): void {
  const log = deps.log.child({ component: 'telephony' });

  /** Auth for these endpoints; a per-call token must belong to the request's CallSid. */
  const authorize = (
    req: FastifyRequest<{ Params: { token?: string } }>,
    reply: FastifyReply,
    callSid: string | null,
  ): boolean => {
    const p = params(req);
    const token = req.params.token ?? first(p, 'token');
    const outcome = deps.auth.check({ headers: req.headers, remoteAddress: req.socket.remoteAddress, token });
    const outbound = outcome.ok && outcome.method === 'outbound-token';
    if (outcome.ok && !outbound && (outcome.callSid === null || outcome.callSid === callSid)) return true;
    const reason = outbound
      ? 'outbound stream token (it opens only its stream)'
      : outcome.ok
        ? 'call token of another call'
        : outcome.reason;
    const status = outcome.ok ? 403 : outcome.status;
    log.warn({ path: req.routeOptions.url, status, reason }, 'refused an Exotel request');
    if (status === 401) void reply.header('www-authenticate', 'Basic realm="audexly-exotel"');
    void reply.code(status).send({ error: status === 401 ? 'unauthorized' : 'forbidden' });
    return false;
  };

  const voicebotUrl = async (req: FastifyRequest<{ Params: { token?: string } }>, reply: FastifyReply) => {
    const p = params(req);
    const callSid = first(p, 'CallSid', 'callSid', 'call_sid');
    if (!authorize(req, reply, callSid)) return reply;
    const backends = deps.backends();
    if (!backends || !deps.accepting()) return reply.code(503).send({ error: 'not accepting calls' });
    const dialled = first(p, 'CallTo', 'To', 'DialWhomNumber', 'to') ?? '';
    const { agent, source } = await backends.agents.forNumber(dialled);
    let token: string | null = null;
    if (deps.secret && callSid) token = mintCallToken(deps.secret, callSid, deps.tokenTtlS);
    else if (deps.staticToken) token = deps.staticToken;
    if (token === null && deps.auth.credentialsRequired)
      log.warn(
        { callId: callSid ? safeCallId(callSid) : null },
        'dynamic URL without a token (no CallSid or no AUDEXLY_SECRET_KEY/EXOTEL_STREAM_TOKEN): the stream will need Basic auth',
      );
    const base = deps.streamBase ?? `wss://${req.headers.host ?? 'localhost'}`;
    const path = `${TELEPHONY_PREFIX}/stream${token ? `/${encodeURIComponent(token)}` : ''}`;
    const url = `${base}${path}?sample-rate=${agent.sampleRate}`;
    log.info(
      {
        callId: callSid ? safeCallId(callSid) : null,
        agentId: agent.id,
        agentSource: source,
        sampleRate: agent.sampleRate,
        pii: { dialled },
      },
      'dynamic voicebot URL',
    );
    return reply.send({ url });
  };

  const transferTarget = async (req: FastifyRequest<{ Params: { token?: string } }>, reply: FastifyReply) => {
    const p = params(req);
    const callSid = first(p, 'CallSid', 'callSid', 'call_sid');
    if (!authorize(req, reply, callSid)) return reply;
    if (!callSid) return reply.code(400).send({ error: 'CallSid is required' });
    const backends = deps.backends();
    if (!backends) return reply.code(503).send({ error: 'starting' });
    const decision = await backends.transfers.get(callSid);
    if (!decision) {
      log.info({ callId: safeCallId(callSid) }, 'transfer target asked for a call with no transfer');
      return reply.code(404).send({ error: 'no transfer for this call' });
    }
    log.info({ callId: decision.callId, pii: { to: decision.to } }, 'transfer target served');
    return reply.send(connectTarget(decision));
  };

  const passthru = async (req: FastifyRequest<{ Params: { token?: string } }>, reply: FastifyReply) => {
    const report = parsePassthru(params(req));
    if (!authorize(req, reply, report.callSid)) return reply;
    if (!report.callSid || safeCallId(report.callSid) === null)
      return reply.code(400).send({ error: 'CallSid is required' });
    const backends = deps.backends();
    if (!backends) return reply.code(503).send({ error: 'starting' });
    const callId = await backends.passthru.save(report.callSid, report.outcome);
    log.info(
      {
        callId,
        status: report.outcome.status,
        durationS: report.outcome.durationS,
        disconnectedBy: report.outcome.disconnectedBy,
      },
      'passthru stream outcome',
    );
    return reply.code(200).send({ ok: true });
  };

  for (const [name, handler] of [
    ['voicebot-url', voicebotUrl],
    ['transfer-target', transferTarget],
    ['passthru', passthru],
  ] as const) {
    app.route({ method: ['GET', 'POST'], url: `${TELEPHONY_PREFIX}/${name}`, handler });
    app.route({ method: ['GET', 'POST'], url: `${TELEPHONY_PREFIX}/${name}/:token`, handler });
  }
}

function safeCallId(callSid: string): string | null {
  try {
    return toCallId(callSid);
  } catch {
    return null;
  }
}
