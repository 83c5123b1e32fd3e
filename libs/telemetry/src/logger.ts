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
  'password',
  '*.password',
];

/**
 * One pino root per process. Caller numbers, transcripts, prompts and DTMF digits go only under
 * `pii.*` keys (e.g. `log.info({ pii: { from } }, 'call started')`), which are redacted unless
 * `logPii` is set. Per-call loggers are children: `log.child({ callId })`.
 */
export function createLogger(config: LoggerConfig): Logger {
  const paths = config.logPii ? SECRET_PATHS : [...SECRET_PATHS, 'pii', '*.pii'];
  const options: LoggerOptions = {
    name: config.service,
    level: config.level ?? 'info',
    base: { service: config.service },
    redact: { paths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}
