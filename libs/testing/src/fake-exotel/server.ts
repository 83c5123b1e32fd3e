import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody, sendJson } from '../http-io.js';
import { callXml, exotelTime, readForm, restException } from './exotel-format.js';
import type {
  ExotelRequestLog,
  FakeExotelAccount,
  FakeExotelCall,
  FakeExotelOptions,
  StatusCallbackEvent,
} from './types.js';

/** A running fake of Exotel's Voice v1 REST API on loopback. */
export interface FakeExotel {
  /** Base URL (`http://127.0.0.1:<port>`): stands in for `https://api.exotel.com`. */
  url: string;
  requests: ExotelRequestLog[];
  /** Calls placed, by Sid. */
  calls: Map<string, FakeExotelCall>;
  /**
   * Delivers a status callback for a call the way Exotel does (§7.4): a form-encoded POST to its
   * StatusCallback URL. `answered` is sent only when the call asked for it in `StatusCallbackEvents[]`;
   * `terminal` always. Resolves to the HTTP status the callback got (null when not sent).
   */
  sendStatusCallback(callSid: string, event: StatusCallbackEvent): Promise<number | null>;
  close(): Promise<void>;
}

const CALL_PATH = /^\/v1\/Accounts\/([^/]+)\/Calls\/connect(\.json)?$/;
const DETAILS_PATH = /^\/v1\/Accounts\/([^/]+)\/Calls\/([^/.]+)(\.json)?$/;
const MAX_STREAM_URL = 600;

/**
 * Starts a fake of the parts of Exotel's REST API a voice-agent platform uses (reference/exotel.md §7):
 * `POST /v1/Accounts/{sid}/Calls/connect[.json]` (Connect Voice AI with StreamUrl, or a flow with Url),
 * `GET /v1/Accounts/{sid}/Calls/{CallSid}[.json]`, HTTP Basic with the API key and token (401
 * otherwise), form-encoded PascalCase bodies, JSON with the `.json` suffix and XML without, and 429
 * past the rate limit.
 */
export async function startFakeExotel(options: FakeExotelOptions): Promise<FakeExotel> {
  const requests: ExotelRequestLog[] = [];
  const calls = new Map<string, FakeExotelCall>();
  const sockets = new Set<Socket>();
  const rate = options.rateLimit ?? { max: 200, windowMs: 60_000 };
  const windows = new Map<string, { start: number; count: number }>();

  function authenticate(req: IncomingMessage): FakeExotelAccount | null {
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return null;
    const [key, ...rest] = Buffer.from(match[1]!, 'base64').toString('utf8').split(':');
    return options.accounts.find((a) => a.apiKey === key && a.apiToken === rest.join(':')) ?? null;
  }

  function limited(accountSid: string): boolean {
    const now = Date.now();
    const window = windows.get(accountSid);
    if (!window || now - window.start >= rate.windowMs) {
      windows.set(accountSid, { start: now, count: 1 });
      return false;
    }
    window.count += 1;
    return window.count > rate.max;
  }

  function callView(call: FakeExotelCall): Record<string, unknown> {
    return {
      Sid: call.sid,
      ParentCallSid: null,
      DateCreated: call.dateCreated,
      DateUpdated: exotelTime(Date.now()),
      AccountSid: call.accountSid,
      To: call.callerId,
      From: call.from,
      PhoneNumberSid: call.callerId,
      Status: call.status,
      StartTime: call.dateCreated,
      EndTime: null,
      Duration: null,
      Price: null,
      Direction: 'outbound-api',
      AnsweredBy: null,
      ForwardedFrom: null,
      CallerName: null,
      Uri: `/v1/Accounts/${call.accountSid}/Calls/${call.sid}.json`,
      RecordingUrl: null,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const raw = (await readBody(req)).toString('utf8');
    const contentType = req.headers['content-type'] ?? '';
    const log: ExotelRequestLog = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      form: contentType.startsWith('application/x-www-form-urlencoded') ? readForm(raw) : {},
      accountSid: null,
      status: 0,
    };
    requests.push(log);
    const json = path.endsWith('.json');
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => {
      log.status = status;
      if (json) return sendJson(res, status, restException(status, message), headers);
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse><RestException><Status>${status}</Status><Message>${message}</Message></RestException></TwilioResponse>\n`;
      res.writeHead(status, { 'content-type': 'application/xml', ...headers });
      res.end(body);
    };
    const ok = (call: FakeExotelCall) => {
      log.status = 200;
      if (json) return sendJson(res, 200, { Call: callView(call) });
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(callXml(callView(call)));
    };

    const account = authenticate(req);
    if (!account) {
      res.setHeader('www-authenticate', 'Basic realm="Exotel"');
      return fail(401, 'Authentication is required to view this page.');
    }
    log.accountSid = account.sid;
    const connect = CALL_PATH.exec(path);
    const details = connect ? null : DETAILS_PATH.exec(path);
    const pathSid = decodeURIComponent((connect ?? details)?.[1] ?? '');
    if (!connect && !details) return fail(404, `The requested resource ${path} was not found`);
    if (pathSid !== account.sid) return fail(403, 'Your credentials do not give access to this account');
    if (limited(account.sid))
      return fail(429, 'Too many requests: the limit is 200 per minute', {
        'retry-after': String(Math.ceil(rate.windowMs / 1000)),
      });

    if (details) {
      if (req.method !== 'GET') return fail(405, 'Method not allowed');
      const call = calls.get(decodeURIComponent(details[2]!));
      return call && call.accountSid === account.sid ? ok(call) : fail(404, 'Call not found');
    }
    if (req.method !== 'POST') return fail(405, 'Method not allowed');
    if (!contentType.startsWith('application/x-www-form-urlencoded')) return fail(400, 'Missing parameter From');
    const field = (name: string) => {
      const value = log.form[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const from = field('From');
    const callerId = field('CallerId');
    const streamUrl = field('StreamUrl') ?? null;
    const url = field('Url') ?? null;
    if (!from) return fail(400, 'Missing parameter From');
    if (!callerId) return fail(400, 'Missing parameter CallerId');
    if (streamUrl && url) return fail(400, 'Send either StreamUrl (Connect Voice AI) or Url (flow), not both');
    if (!streamUrl && !url) return fail(400, 'Missing parameter Url');
    if (streamUrl) {
      if (!/^wss?:\/\//.test(streamUrl)) return fail(400, 'StreamUrl must be a ws:// or wss:// URL');
      if (streamUrl.length > MAX_STREAM_URL) return fail(400, `StreamUrl must be at most ${MAX_STREAM_URL} characters`);
      if (field('StreamType') !== 'bidirectional') return fail(400, 'StreamType must be bidirectional');
    }
    if (url && !/^https?:\/\/my\.exotel\.com\/[^/]+\/exoml\/start_voice\/\d+$/.test(url))
      return fail(400, 'Url must be http://my.exotel.com/{AccountSid}/exoml/start_voice/{app_id}');
    const events = log.form['StatusCallbackEvents[]'];
    const call: FakeExotelCall = {
      sid: randomBytes(16).toString('hex'),
      accountSid: account.sid,
      from,
      callerId,
      streamUrl,
      url,
      statusCallback: field('StatusCallback') ?? null,
      statusCallbackEvents: events === undefined ? [] : Array.isArray(events) ? events : [events],
      customField: field('CustomField') ?? null,
      status: options.initialStatus ?? 'in-progress',
      dateCreated: exotelTime(Date.now()),
    };
    calls.set(call.sid, call);
    return ok(call);
  }

  async function sendStatusCallback(callSid: string, event: StatusCallbackEvent): Promise<number | null> {
    const call = calls.get(callSid);
    if (!call) throw new Error(`the fake placed no call ${callSid}`);
    if (!call.statusCallback) return null;
    if (event.eventType === 'answered' && !call.statusCallbackEvents.includes('answered')) return null;
    const status = event.status ?? (event.eventType === 'answered' ? 'in-progress' : 'completed');
    call.status = status;
    const now = exotelTime(Date.now());
    const duration = event.conversationDurationS ?? 0;
    const form = new URLSearchParams({
      CallSid: call.sid,
      EventType: event.eventType,
      Status: status,
      DateCreated: call.dateCreated,
      DateUpdated: now,
      To: call.callerId,
      From: call.from,
      PhoneNumberSid: call.callerId,
      StartTime: call.dateCreated,
      EndTime: event.eventType === 'terminal' ? now : '',
      ConversationDuration: String(duration),
      Direction: 'outbound-api',
      CustomField: call.customField ?? '',
      RecordingUrl: event.recordingUrl ?? '',
      'Legs[0][OnCallDuration]': String(duration),
      'Legs[0][Status]': status,
      'Legs[0][AnsweredBy]': 'NA',
    });
    const res = await fetch(call.statusCallback, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, restException(500, err instanceof Error ? err.message : 'internal error'));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    calls,
    sendStatusCallback,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
