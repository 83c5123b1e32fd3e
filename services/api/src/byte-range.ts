/** A satisfiable byte range: `start` to `end`, both inclusive (as in `Content-Range`). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a `Range` header against a body of `size` bytes (RFC 9110 §14.1.2). Returns the range,
 * `'unsatisfiable'` (answer 416), or undefined to ignore the header and send everything (absent,
 * malformed, another unit, or several ranges).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/**
 * Bytes `start` (inclusive) to `end` (exclusive) of a stream. Stops reading, and cancels the
 * stream, as soon as it has them — or when the consumer stops early.
 */
export async function* sliceStream(stream: ReadableStream<Uint8Array>, start: number, end: number): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let position = 0;
  let open = true;
  try {
    while (position < end) {
      const { done, value } = await reader.read();
      if (done) {
        open = false;
        break;
      }
      const from = Math.max(0, start - position);
      const to = Math.min(value.byteLength, end - position);
      if (to > from) yield value.subarray(from, to);
      position += value.byteLength;
    }
  } catch (err) {
    open = false;
    throw err;
  } finally {
    if (open) await reader.cancel();
    reader.releaseLock();
  }
}
