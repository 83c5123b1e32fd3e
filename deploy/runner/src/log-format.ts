const COLORS: Record<string, string> = {
  gateway: '\x1b[36m',
  stt: '\x1b[35m',
  llm: '\x1b[33m',
  tts: '\x1b[32m',
  recorder: '\x1b[34m',
  api: '\x1b[37m',
  nats: '\x1b[90m',
  runner: '\x1b[1m',
};
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const RESET = '\x1b[0m';
/** Fields shown inline after the message, when present. */
const SHOWN = ['callId', 'port', 'stage', 'reason', 'code', 'utterance', 'turn', 'missing', 'url', 'err'];

/** `name | message`, with the name padded and colored (when the terminal has color). */
export function prefix(name: string, color: boolean): string {
  const label = name.padEnd(8);
  return color ? `${COLORS[name] ?? ''}${label}${RESET} |` : `${label} |`;
}

/** Turns one pino JSON line into a readable one; other lines pass through. */
export function formatLine(name: string, line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${prefix(name, color)} ${line}`;
  }
  if (typeof entry.msg !== 'string') return `${prefix(name, color)} ${line}`;
  const level = LEVELS[Number(entry.level)] ?? 'INFO ';
  const extras = SHOWN.filter((key) => entry[key] !== undefined).map((key) => `${key}=${describe(entry[key])}`);
  return `${prefix(name, color)} ${level} ${entry.msg}${extras.length ? `  ${extras.join(' ')}` : ''}`;
}

function describe(value: unknown): string {
  if (value && typeof value === 'object' && 'message' in value) return JSON.stringify(value.message);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
