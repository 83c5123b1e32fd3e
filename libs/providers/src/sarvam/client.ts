import { SarvamAIClient } from 'sarvamai';

/** How to reach Sarvam. */
export interface SarvamClientOptions {
  apiKey: string;
  /** REST base such as `http://127.0.0.1:4010` (a fake); WebSockets use the same host with ws(s). Default: Sarvam's cloud. */
  baseUrl?: string;
  /** SDK retries for REST calls (408/429/5xx); default 2. */
  maxRetries?: number;
  /** REST timeout; default 60 s. */
  timeoutMs?: number;
}

/** A Sarvam SDK client built only from explicit options (never from the environment). */
export function createSarvamClient(options: SarvamClientOptions): SarvamAIClient {
  const base = options.baseUrl?.replace(/\/+$/, '');
  return new SarvamAIClient({
    apiSubscriptionKey: options.apiKey,
    ...(base ? { environment: { base, production: base.replace(/^http/, 'ws'), creative: `${base}/dubbing` } } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutInSeconds: options.timeoutMs / 1000 } : {}),
  });
}
