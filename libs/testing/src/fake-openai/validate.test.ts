import { describe, expect, it } from 'vitest';
import { validateRequest } from './validate.js';

const call = (id: string) => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } });
const valid = (messages: unknown[]) => validateRequest({ model: 'm', messages });

describe('request validation', () => {
  it('accepts tool results in any order, then more conversation', () => {
    expect(
      valid([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'One moment.' },
        { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
        { role: 'tool', tool_call_id: 'b', content: '{}' },
        { role: 'tool', tool_call_id: 'a', content: '{}' },
        { role: 'assistant', content: 'Done.' },
        { role: 'user', content: 'thanks' },
      ]),
    ).toBeNull();
  });

  it('refuses a tool call left open at the end, a result given twice, and a result after other talk', () => {
    expect(
      valid([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [call('a')] },
      ]),
    ).toMatchObject({ status: 400, param: 'messages.[1].role' });
    expect(
      valid([
        { role: 'assistant', content: null, tool_calls: [call('a')] },
        { role: 'tool', tool_call_id: 'a', content: '' },
        { role: 'tool', tool_call_id: 'a', content: '' },
      ]),
    ).toMatchObject({ param: 'messages.[2].role' });
    expect(
      valid([
        { role: 'assistant', content: null, tool_calls: [call('a')] },
        { role: 'user', content: 'x' },
        { role: 'tool', tool_call_id: 'a', content: '' },
      ]),
    ).toMatchObject({ param: 'messages.[0].role' });
  });

  it('refuses an empty messages list and a token limit below 1', () => {
    expect(valid([])).toMatchObject({ param: 'messages', code: 'empty_array' });
    expect(
      validateRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 0 }),
    ).toMatchObject({ param: 'max_completion_tokens' });
  });
});
