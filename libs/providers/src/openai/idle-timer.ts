/** Aborts `controller` when no `touch()` comes within `ms`; `pause()` stops the clock while the consumer works. */
export class IdleTimer {
  private timer: NodeJS.Timeout | null = null;
  fired = false;

  constructor(
    private readonly ms: number,
    private readonly controller: AbortController,
  ) {}

  touch(): void {
    this.pause();
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error(`no data for ${this.ms} ms`));
    }, this.ms);
  }

  pause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
