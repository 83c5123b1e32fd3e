import { AudioHeader, type EventFamily, type FamilyEvent } from '@audexly/protocol';
import { type Bus, type BusSubscription } from '@audexly/bus';

export interface RecordedAudio {
  data: Buffer;
  headers: Record<string, number | undefined>;
}

/** Records a call's events and audio on the bus for assertions. */
export class BusRecorder {
  readonly events: FamilyEvent<EventFamily>[] = [];
  readonly audio = new Map<string, RecordedAudio[]>();
  private readonly subs: BusSubscription<unknown>[] = [];

  constructor(
    private readonly bus: Bus,
    readonly callId: string,
  ) {}

  async start(families: EventFamily[], audioSubjects: string[]): Promise<void> {
    for (const family of families) {
      const sub = this.bus.subscribeEvents(this.callId, family);
      this.subs.push(sub);
      void (async () => {
        for await (const { event } of sub) this.events.push(event);
      })();
    }
    for (const subject of audioSubjects) {
      const list: RecordedAudio[] = [];
      this.audio.set(subject, list);
      const sub = this.bus.subscribeAudio(subject);
      this.subs.push(sub);
      void (async () => {
        for await (const msg of sub) {
          const headers: Record<string, number | undefined> = {};
          for (const name of Object.values(AudioHeader))
            headers[name] = msg.header(name) === undefined ? undefined : msg.num(name);
          list.push({ data: Buffer.from(msg.data), headers });
        }
      })();
    }
    await this.bus.flush();
  }

  of<T extends string>(type: T): Extract<FamilyEvent<EventFamily>, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<FamilyEvent<EventFamily>, { type: T }>[];
  }

  async until(predicate: () => boolean, timeoutMs = 5000, what = 'bus condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; saw ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}
