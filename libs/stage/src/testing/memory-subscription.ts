/**
 * A subscription held in memory, as the bus's are: what is pushed is read in order by one
 * `for await` loop; {@link drain} ends the loop after what already arrived, {@link close} at once.
 */
export class MemorySubscription<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private reader: ((result: IteratorResult<T>) => void) | null = null;
  private state: 'open' | 'draining' | 'closed' = 'open';

  push(item: T): void {
    if (this.state !== 'open') return;
    const reader = this.reader;
    this.reader = null;
    if (reader) reader({ value: item, done: false });
    else this.items.push(item);
  }

  /** Delivers what already arrived, then ends the loop. */
  drain(): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    if (this.items.length === 0) this.finish();
  }

  /** Ends the loop at once; what was not read yet is dropped. */
  close(): void {
    this.state = 'closed';
    this.items.length = 0;
    this.finish();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) {
          if (this.state === 'draining' && this.items.length === 0) this.state = 'closed';
          return Promise.resolve({ value: item, done: false });
        }
        if (this.state !== 'open') return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.reader = resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private finish(): void {
    const reader = this.reader;
    this.reader = null;
    reader?.({ value: undefined, done: true });
  }
}
