import { describe, expect, it } from 'vitest';
import { parseRange, sliceStream } from './byte-range.js';

describe('byte ranges', () => {
  it('reads closed, open-ended and suffix ranges, clamped to the body', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
  });

  it('ignores what it does not understand and refuses ranges past the end', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=9-3', 'bytes=-']) expect(parseRange(header, 100)).toBeUndefined();
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
  });

  it('slices a chunked stream and cancels it once the range is read', async () => {
    let cancelled = false;
    const chunks = [Uint8Array.of(0, 1, 2), Uint8Array.of(3, 4, 5), Uint8Array.of(6, 7, 8)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    const out: number[] = [];
    for await (const part of sliceStream(stream, 2, 5)) out.push(...part);
    expect(out).toEqual([2, 3, 4]);
    expect(cancelled).toBe(true);
  });
});
