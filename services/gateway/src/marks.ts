/**
 * Marks sent to Exotel after each segment, named `t<turn>s<segment>`, and what their echoes mean:
 * the caller has heard the whole segment.
 */

export interface MarkInfo {
  turn: number;
  segment: number;
  /** Audio of the segment sent to Exotel (padding included), ms. */
  audioMs: number;
}

export function markName(turn: number, segment: number): string {
  return `t${turn}s${segment}`;
}

/** Marks awaiting their echo, and the segments of each turn whose echo came back. */
export class MarkTracker {
  private readonly pending = new Map<string, MarkInfo>();
  private readonly heardByTurn = new Map<number, number[]>();

  sent(name: string, info: MarkInfo): void {
    this.pending.set(name, info);
  }

  /** The mark's info when we sent it and still await it; undefined for unknown or stale names. */
  echoed(name: string): MarkInfo | undefined {
    const info = this.pending.get(name);
    if (!info) return undefined;
    this.pending.delete(name);
    const heard = this.heardByTurn.get(info.turn) ?? [];
    heard.push(info.segment);
    this.heardByTurn.set(info.turn, heard);
    return info;
  }

  /** Marks sent and not yet echoed. */
  get outstanding(): number {
    return this.pending.size;
  }

  outstandingForTurn(turn: number): number {
    let n = 0;
    for (const info of this.pending.values()) if (info.turn === turn) n++;
    return n;
  }

  /** Segments of `turn` the caller heard in full, in echo order. */
  heard(turn: number): number[] {
    return [...(this.heardByTurn.get(turn) ?? [])];
  }

  /** After `clear`: pending marks will not come back (or do not matter). */
  dropPending(): void {
    this.pending.clear();
  }
}
