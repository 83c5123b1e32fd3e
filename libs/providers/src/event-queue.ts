/**
 * A push-to-pull bridge: producers `push()` values from callbacks, one consumer reads them with
 * `for await`. `end()` finishes the iteration after the queued values.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly values: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private done = false;

  get ended(): boolean {
    return this.done;
  }

  push(value: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value, done: false });
    } else this.values.push(value);
  }

  /** Finishes the stream; with `discard`, values not yet read are dropped. */
  end(discard = false): void {
    if (discard) this.values.length = 0;
    this.done = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.values.length > 0) return Promise.resolve({ value: this.values.shift() as T, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.end(true);
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
