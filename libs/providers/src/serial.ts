/** Runs async sections one at a time in call order: `const release = await serial.acquire()`. */
export class Serial {
  private tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    return release;
  }
}
