import type { Logger } from '@audexly/telemetry';
import type { WebhookTool } from './tools.js';

/** Longest tool result handed back to the model. */
const MAX_RESULT_CHARS = 4000;

/**
 * Runs a webhook tool: POSTs the arguments as JSON to the tool's URL with its headers, within its
 * timeout. Returns what the model gets as the tool's result: the JSON answer (or text), or
 * `{"error": …}` when the call failed. Resolves `null` when `signal` aborted (the turn was cut off).
 */
export async function callWebhook(
  tool: WebhookTool,
  args: Record<string, unknown>,
  signal: AbortSignal,
  log: Logger,
): Promise<string | null> {
  const started = Date.now();
  try {
    const res = await fetch(tool.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/plain;q=0.9', ...tool.headers },
      body: JSON.stringify(args),
      signal: AbortSignal.any([signal, AbortSignal.timeout(tool.timeoutMs)]),
    });
    const body = await res.text();
    log.info({ tool: tool.name, status: res.status, ms: Date.now() - started }, 'webhook tool answered');
    const result = asResult(body, res.headers.get('content-type') ?? '');
    if (!res.ok) return JSON.stringify({ error: `the tool answered HTTP ${res.status}`, body: result.slice(0, 1000) });
    return result.slice(0, MAX_RESULT_CHARS) || JSON.stringify({ ok: true });
  } catch (err) {
    if (signal.aborted) return null;
    const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
    log.warn(
      { tool: tool.name, ms: Date.now() - started, err: timedOut ? undefined : err },
      timedOut ? 'webhook tool timed out' : 'webhook tool failed',
    );
    return JSON.stringify({
      error: timedOut ? `the tool did not answer within ${tool.timeoutMs} ms` : 'the tool could not be reached',
    });
  }
}

function asResult(body: string, contentType: string): string {
  if (contentType.includes('json')) {
    try {
      return JSON.stringify(JSON.parse(body));
    } catch {
      return body;
    }
  }
  return body;
}
