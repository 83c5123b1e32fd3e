import { context, trace } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerConfig {
  service: string;
  level?: string;
  /** Log `pii.*` fields as they are. Only for local debugging; production redacts them. */
  logPii?: boolean;
  /** Where to write (tests pass a stream); stdout by default. */
  destination?: NodeJS.WritableStream;
}

/** Keys that are secrets wherever they appear: always redacted, whatever `logPii` says. */
const SECRET_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  // A token one level inside pii (`pii.customParameters.token`: Exotel passes the applet URL's
  // query, `?token=` included, as custom parameters) stays hidden when pii is shown.
  'pii.*.token',
  '*.pii.*.token',
  'password',
  '*.password',
];

/**
 * One pino root per process. Caller numbers, transcripts, prompts and DTMF digits go only under
 * `pii.*` keys (e.g. `log.info({ pii: { from } }, 'call started')`), which are redacted unless
 * `logPii` is set. Per-call loggers are children: `log.child(callLogBindings(callId))`, which binds
 * the call's `trace_id` (so a call's every log line leads to its trace, inside a span or not); each
 * line logged inside an active span also gets its `trace_id` and `span_id`.
 */
export function createLogger(config: LoggerConfig): Logger {
  const paths = config.logPii ? SECRET_PATHS : [...SECRET_PATHS, 'pii', '*.pii'];
  const options: LoggerOptions = {
    name: config.service,
    level: config.level ?? 'info',
    base: { service: config.service },
    redact: { paths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceFields,
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}

const chindings = pino.symbols.chindingsSym;

/** `trace_id`/`span_id` of the active span (not `trace_id` again when the logger has it bound). */
function traceFields(_obj: object, _level: number, logger: Logger): Record<string, string> {
  const span = trace.getSpanContext(context.active());
  if (!span) return {};
  const bound = (logger as unknown as Record<symbol, string | undefined>)[chindings] ?? '';
  return bound.includes('"trace_id":') ? { span_id: span.spanId } : { trace_id: span.traceId, span_id: span.spanId };
}
