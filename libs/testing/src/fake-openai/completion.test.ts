import { describe, expect, it } from 'vitest';
import { splitArguments } from './chunks.js';
import { completionDeltas, completionFor } from './completion.js';
import { seededRandom } from './random.js';

const ids = (index: number) => `call_${index}`;

describe('the fake model answer', () => {
  it('cuts at the token limit across text and then tool arguments, and drops calls past it', () => {
    const reply = {
      text: 'Let me check.',
      toolCalls: [
        { name: 'a', arguments: '{"x": "one two"}' },
        { name: 'b', arguments: '{}' },
      ],
    };
    expect(completionFor(reply, { max_completion_tokens: 4 }, ids)).toEqual({
      text: 'Let me check.',
      toolCalls: [{ id: 'call_0', name: 'a', arguments: '{"x":' }],
      finishReason: 'length',
      completionTokens: 4,
    });
    expect(completionFor(reply, { max_completion_tokens: 3 }, ids)).toMatchObject({
      toolCalls: [],
      finishReason: 'length',
      completionTokens: 3,
    });
    expect(completionFor(reply, {}, ids)).toMatchObject({
      toolCalls: [{ name: 'a' }, { name: 'b' }],
      finishReason: 'tool_calls',
      completionTokens: 7,
    });
  });

  it('streams a tool-only answer with the first call in the role delta, the next one starting at index 1', () => {
    const deltas = completionDeltas(
      completionFor(
        {
          toolCalls: [
            { name: 'a', arguments: '' },
            { name: 'b', arguments: '' },
          ],
        },
        {},
        ids,
      ),
      1,
    );
    expect(deltas).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: 'call_0', type: 'function', function: { name: 'a', arguments: '' } }],
        refusal: null,
      },
      { tool_calls: [{ index: 1, id: 'call_1', type: 'function', function: { name: 'b', arguments: '' } }] },
    ]);
  });

  it('splits arguments into 3–7 fragments that join back, the same way every time, never inside a code point', () => {
    const seed = Number(process.env.TEST_SEED ?? 7);
    const random = seededRandom(seed);
    for (let n = 0; n < 200; n++) {
      const args = Array.from(
        { length: 3 + Math.floor(random() * 30) },
        () => ['a', '"', '\\', 'न', '😀', ' '][Math.floor(random() * 6)],
      ).join('');
      const fragments = splitArguments(args, n);
      const context = `seed ${seed}, case ${n}, arguments ${args}`;
      expect(fragments.join(''), context).toBe(args);
      expect(fragments.length, context).toBeGreaterThanOrEqual(3);
      expect(fragments.length, context).toBeLessThanOrEqual(7);
      expect(
        fragments.every((f) => !/[\ud800-\udbff]$/.test(f)),
        context,
      ).toBe(true);
      expect(splitArguments(args, n), context).toEqual(fragments);
    }
  });
});
