import { describe, expect, it } from 'vitest';
import { errorEventSchema, ErrorCode } from './error.js';
import { AudexlyError, UpstreamError } from './errors.js';

describe('named errors', () => {
  it('an upstream failure is retryable by its HTTP status: network, 5xx, 408 and 429 are, other 4xx are not', () => {
    const retryable = (status?: number) => new UpstreamError(ErrorCode.ttsUpstream, 'x', { status }).retryable;
    expect([undefined, 500, 503, 408, 429].map(retryable)).toEqual([true, true, true, true, true]);
    expect([400, 401, 403, 404, 422].map(retryable)).toEqual([false, false, false, false, false]);
  });

  it('UpstreamError.from keeps an AudexlyError as it is and wraps anything else, retryable, with the fallback code', () => {
    const own = new AudexlyError(ErrorCode.badInput, 'no');
    expect(UpstreamError.from(own, ErrorCode.sttUpstream)).toBe(own);
    const cause = new Error('socket hang up');
    const wrapped = UpstreamError.from(cause, ErrorCode.sttUpstream, 'could not open');
    expect(wrapped).toBeInstanceOf(UpstreamError);
    expect(wrapped).toMatchObject({ code: ErrorCode.sttUpstream, message: 'could not open', retryable: true, cause });
    expect(UpstreamError.from('boom', ErrorCode.llmUpstream).message).toBe('boom');
  });
});

describe('the error event', () => {
  const event = {
    type: 'error',
    v: 1,
    callId: 'c1',
    timelineMs: 0,
    stage: 'tts',
    code: ErrorCode.ttsUpstream,
    message: 'm',
    retryable: true,
  };

  it('takes the protocol codes and the stages, the gateway and the api as its source', () => {
    for (const stage of ['stt', 'llm', 'tts', 'recorder', 'gateway', 'api'])
      expect(errorEventSchema.safeParse({ ...event, stage }).success).toBe(true);
  });

  it('refuses a code or a source the protocol does not have', () => {
    expect(errorEventSchema.safeParse({ ...event, code: 'AUDEXLY_ERR_SOMETHING' }).success).toBe(false);
    expect(errorEventSchema.safeParse({ ...event, stage: 'dashboard' }).success).toBe(false);
  });
});
