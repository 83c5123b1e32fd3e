import { describe, expect, it } from 'vitest';
import type { AudioMessage } from '@audexly/bus';
import { AudioHeader } from '@audexly/protocol';
import { orderedAudio } from './ordered-audio.js';

/** A 100 ms frame numbered `seq` (NaN: no sequence header). */
function frame(seq: number): AudioMessage {
  return {
    data: new Uint8Array(1600),
    subject: 'call.x.audio.in',
    header: (name) => (name === AudioHeader.seq && Number.isFinite(seq) ? String(seq) : undefined),
    num: (name, fallback = Number.NaN) => (name === AudioHeader.seq && Number.isFinite(seq) ? seq : fallback),
  };
}

async function run(seqs: number[], waitMs = 300) {
  const gaps: [number, number][] = [];
  let missing = 0;
  let repeats = 0;
  async function* source() {
    for (const seq of seqs) yield await Promise.resolve(frame(seq));
  }
  const out: number[] = [];
  for await (const m of orderedAudio(source(), {
    waitMs,
    msOf: () => 100,
    onGap: (from, to) => gaps.push([from, to]),
    onMissing: (n) => (missing += n),
    onRepeat: () => repeats++,
  }))
    out.push(m.num(AudioHeader.seq));
  return { out, gaps, missing, repeats };
}

describe('orderedAudio', () => {
  it('passes frames in order through, each once', async () => {
    expect(await run([0, 1, 2, 3])).toEqual({ out: [0, 1, 2, 3], gaps: [], missing: 0, repeats: 0 });
  });

  it('skips repeats (the replay after an outage, a resend that crossed the original)', async () => {
    expect(await run([0, 1, 2, 1, 2, 3, 3])).toMatchObject({ out: [0, 1, 2, 3], repeats: 3 });
  });

  it('asks once for frames lost in flight and puts them back in order when they come', async () => {
    // 3 and 4 died with a NATS server; 5 and 6 arrive, then the gateway sends 3 and 4 again.
    expect(await run([0, 1, 2, 5, 6, 3, 4, 7])).toEqual({
      out: [0, 1, 2, 3, 4, 5, 6, 7],
      gaps: [[3, 4]],
      missing: 0,
      repeats: 0,
    });
  });

  it('gives a gap up after waiting `waitMs` of audio, counts it, and goes on in order', async () => {
    // 3 never comes: 4, 5, 6 and 7 (400 ms > 300 ms) wait, then go on without it; a late 3 is a repeat.
    expect(await run([0, 1, 2, 4, 5, 6, 7, 3, 8])).toEqual({
      out: [0, 1, 2, 4, 5, 6, 7, 8],
      gaps: [[3, 3]],
      missing: 1,
      repeats: 1,
    });
  });

  it('asks only for what it has not asked for already when a second gap opens while waiting', async () => {
    const r = await run([0, 3, 6, 1, 2, 4, 5, 7]);
    expect(r.gaps).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(r.out).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('does not wait for a jump far beyond what the gateway keeps', async () => {
    expect(await run([0, 1, 5000, 5001])).toEqual({ out: [0, 1, 5000, 5001], gaps: [], missing: 4998, repeats: 0 });
  });

  it('delivers what it held when the call ends, and takes frames without a sequence number as they come', async () => {
    expect(await run([0, 2, 3])).toMatchObject({ out: [0, 2, 3], missing: 1 });
    expect((await run([Number.NaN, Number.NaN])).out).toHaveLength(2);
  });
});
