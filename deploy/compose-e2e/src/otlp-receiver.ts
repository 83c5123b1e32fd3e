import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

/** One span as the receiver keeps it (from OTLP/JSON: ids are hex strings). */
export interface ReceivedSpan {
  /** `service.name` of the resource that sent it. */
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
}

/** A running receiver. */
export interface OtlpReceiver {
  readonly spans: readonly ReceivedSpan[];
  close(): Promise<void>;
}

const MAX_SPANS = 100_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const gunzipAsync = promisify(gunzip);

/**
 * A small OTLP/HTTP trace receiver, standing in for Jaeger where no Jaeger image can be had: it
 * takes `POST /v1/traces` in OTLP/JSON (what the services' exporter sends; protobuf is refused with
 * 415), keeps the last 100 000 spans in memory, and lists them at `GET /api/spans` (filters:
 * `service`, `traceId`). `POST /v1/metrics` and `/v1/logs` are accepted and dropped. `GET /healthz`
 * answers 200. No UI, no storage: it is for checking that traces arrive, nothing more.
 */
export async function startOtlpReceiver(listen: { host: string; ports: readonly number[] }): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const servers = listen.ports.map(() =>
    createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 400, { code: 3, message: err instanceof Error ? err.message : String(err) });
        else res.destroy();
      });
    }),
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (req.method === 'GET' && url.pathname === '/healthz')
      return send(res, 200, { status: 'ok', spans: spans.length });
    if (req.method === 'GET' && url.pathname === '/api/spans') {
      const service = url.searchParams.get('service');
      const traceId = url.searchParams.get('traceId');
      return send(
        res,
        200,
        spans.filter((s) => (service === null || s.service === service) && (traceId === null || s.traceId === traceId)),
      );
    }
    if (req.method === 'POST' && ['/v1/traces', '/v1/metrics', '/v1/logs'].includes(url.pathname)) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      const body = await readBody(req);
      if (type !== 'application/json')
        return send(res, 415, { code: 3, message: `only OTLP/JSON is taken (got ${type || 'no content-type'})` });
      if (url.pathname === '/v1/traces') {
        const raw = req.headers['content-encoding'] === 'gzip' ? await gunzipAsync(body) : body;
        spans.push(...spansOf(JSON.parse(raw.toString('utf8'))));
        if (spans.length > MAX_SPANS) spans.splice(0, spans.length - MAX_SPANS);
      }
      return send(res, 200, {});
    }
    return send(res, 404, { code: 5, message: `no route ${req.method ?? ''} ${url.pathname}` });
  }

  await Promise.all(
    servers.map(
      (server, i) =>
        new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(listen.ports[i], listen.host, () => resolve());
        }),
    ),
  );
  return {
    spans,
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.byteLength;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The spans of an `ExportTraceServiceRequest` in OTLP/JSON. */
export function spansOf(request: unknown): ReceivedSpan[] {
  if (!isObject(request)) throw new Error('not an ExportTraceServiceRequest');
  return list(request.resourceSpans).flatMap((resourceSpans) => {
    const resource = isObject(resourceSpans.resource) ? resourceSpans.resource : {};
    const name = list(resource.attributes).find((a) => a.key === 'service.name');
    const service = isObject(name?.value) ? text(name.value.stringValue) : '';
    return list(resourceSpans.scopeSpans).flatMap((scopeSpans) =>
      list(scopeSpans.spans).map((span) => ({
        service,
        name: text(span.name),
        traceId: text(span.traceId),
        spanId: text(span.spanId),
        parentSpanId: text(span.parentSpanId),
        kind: typeof span.kind === 'number' ? span.kind : 0,
      })),
    );
  });
}
