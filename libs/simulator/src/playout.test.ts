import { describe, expect, it } from 'vitest';
import { PlayoutModel } from './playout.js';

const RATE = 8000; // 16 bytes per ms
const audio = (ms: number, fill = 1) => Buffer.alloc(ms * 16, fill);

describe('Exotel playout model', () => {
  it('echoes a mark only once the audio before it has played', () => {
    const p = new PlayoutModel(RATE, 0);
    p.media(audio(200, 1));
    p.mark('t0s0');
    p.media(audio(100, 2));
    p.mark('t0s1');
    expect(p.advance(0).marks).toEqual([]);
    expect(p.advance(199).marks).toEqual([]);
    expect(p.advance(200).marks).toEqual(['t0s0']);
    expect(p.advance(250).marks).toEqual([]);
    expect(p.advance(300).marks).toEqual(['t0s1']);
    expect(p.pending).toBe(false);
  });

  it('plays in real time, with silence where nothing was queued', () => {
    const p = new PlayoutModel(RATE, 1000);
    p.advance(1100); // 100 ms of silence
    p.media(audio(50, 7));
    p.advance(1200); // 50 ms of audio then 50 ms of silence
    const pcm = p.pcm();
    expect(pcm.byteLength).toBe(200 * 16);
    expect(pcm.subarray(0, 1600).every((b) => b === 0)).toBe(true);
    expect(pcm.subarray(1600, 2400).every((b) => b === 7)).toBe(true);
    expect(pcm.subarray(2400).every((b) => b === 0)).toBe(true);
    expect(p.audibleMs).toBe(50);
  });

  it('echoes a mark sent with nothing queued at the next step', () => {
    const p = new PlayoutModel(RATE, 0);
    p.mark('alone');
    expect(p.advance(0).marks).toEqual(['alone']);
  });

  it('clear drops queued audio and pending marks; they are never played or echoed', () => {
    const p = new PlayoutModel(RATE, 0);
    p.media(audio(300, 3));
    p.mark('t1s0');
    p.media(audio(300, 4));
    p.mark('t1s1');
    p.advance(100);
    const dropped = p.clear();
    expect(dropped.droppedMarks).toEqual(['t1s0', 't1s1']);
    expect(dropped.droppedMs).toBe(500);
    expect(p.advance(1000).marks).toEqual([]);
    expect(p.audibleMs).toBe(100);
    expect(
      p
        .pcm()
        .subarray(1600)
        .every((b) => b === 0),
    ).toBe(true);
  });

  it('records a gap when the buffer runs dry mid-segment and the segment goes on', () => {
    const p = new PlayoutModel(RATE, 0);
    p.media(audio(100));
    p.advance(130); // dry from 100 ms
    p.advance(150);
    p.media(audio(100));
    p.advance(200); // the audio resumes at 150 ms
    p.mark('t1s0');
    p.advance(260);
    expect(p.gaps).toEqual([{ atMs: 100, ms: 50, intoSegmentMs: 100 }]);
  });

  it('silence between a segment and its late mark, or after a clear, is no gap', () => {
    const p = new PlayoutModel(RATE, 0);
    p.media(audio(100));
    p.advance(180); // the audio ended; the mark comes late
    p.mark('t1s0');
    p.advance(190);
    p.media(audio(100)); // the next segment
    p.advance(400);
    p.mark('t1s1');
    p.media(audio(100));
    p.advance(450);
    p.clear();
    p.advance(600);
    p.media(audio(100)); // the next turn's answer
    p.advance(800);
    expect(p.gaps).toEqual([]);
  });

  it('no gap before the first audio of a call', () => {
    const p = new PlayoutModel(RATE, 0);
    p.advance(500);
    p.media(audio(100));
    p.advance(600);
    expect(p.gaps).toEqual([]);
  });

  it('keeps no audio without keepPcm, and still plays, echoes and finds gaps', () => {
    const p = new PlayoutModel(RATE, 0, { keepPcm: false });
    p.media(audio(100));
    p.advance(150);
    p.media(audio(100));
    p.mark('t1s0');
    expect(p.advance(300).marks).toEqual(['t1s0']);
    expect(p.pcm().byteLength).toBe(0);
    expect(p.audibleMs).toBe(200);
    expect(p.gaps).toEqual([{ atMs: 100, ms: 50, intoSegmentMs: 100 }]);
  });
});
