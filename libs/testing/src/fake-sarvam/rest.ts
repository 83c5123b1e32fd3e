import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http-io.js';
import { apiKeyOf, invalidKeyBody } from './auth.js';
import { restErrorBody } from './errors.js';
import type { Respond } from './respond.js';
import type { FakeSarvamState } from './state.js';
import { transcribe } from './stt-rest.js';
import { speak } from './tts-rest.js';
import type { SarvamEndpoint } from './types.js';

/** Serves `POST /speech-to-text` and `POST /text-to-speech`; anything else is a 404. */
export async function handleRest(state: FakeSarvamState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://fake').pathname;
  const endpoint: SarvamEndpoint | null =
    req.method === 'POST' && path === '/speech-to-text'
      ? 'stt-rest'
      : req.method === 'POST' && path === '/text-to-speech'
        ? 'tts-rest'
        : null;
  if (!endpoint) {
    sendJson(res, 404, restErrorBody(404, `Not Found: ${req.method} ${path}`));
    return;
  }
  const body = await readBody(req);
  const apiKey = apiKeyOf(req);
  const log = state.log({ endpoint, path, headers: req.headers, apiKey, params: {} });
  const respond: Respond = (status, json, headers = {}) => {
    log.status = status;
    sendJson(res, status, json, headers);
  };
  if (apiKey !== state.apiKey) return respond(403, invalidKeyBody);
  const failure = state.takeFailure(endpoint);
  if (failure && 'status' in failure) {
    const headers: Record<string, string> =
      failure.retryAfterS !== undefined ? { 'retry-after': String(failure.retryAfterS) } : {};
    return respond(
      failure.status,
      restErrorBody(failure.status, `injected failure ${failure.status}`, state.requestId()),
      headers,
    );
  }
  if (endpoint === 'stt-rest') await transcribe(state, req, body, log, respond);
  else await speak(state, body, log, respond);
}
