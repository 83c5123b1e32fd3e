import { describe, expect, it } from 'vitest';
import { withoutCredentials } from './call-descriptor.js';

describe('withoutCredentials', () => {
  it('keeps a call’s custom parameters but never a credential (the stream URL’s token arrives as one)', () => {
    expect(
      withoutCredentials({
        tenant: 't42',
        token: 'abc',
        Authorization: 'Basic x',
        api_key: 'k',
        'sample-rate': '16000',
        keyword: 'ok',
      }),
    ).toEqual({
      tenant: 't42',
      'sample-rate': '16000',
      keyword: 'ok',
    });
  });
});
