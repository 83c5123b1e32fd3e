import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioHeader, subjects } from '@audexly/protocol';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Bus } from './bus.js';
import { callsWithCapturedAudio, purgeCallAudio, readCallAudio } from './audio-capture.js';
import { AUDIO_STREAM, provisionJetStream } from './provision.js';
import { consumersOfCall, testBus, uniqueCallId } from './test/nats.js';

let bus: Bus;
beforeAll(async () => {
  bus = await testBus();
  await provisionJetStream(bus);
});
afterAll(async () => {
  await bus.drain();
});

describe('audio capture', () => {
  it('is a file-backed limits stream of caller, sent and fence subjects, kept 48 hours, taking 64 KiB chunks', async () => {
    const info = await (await jetstreamManager(bus.nc)).streams.info(AUDIO_STREAM);
    expect(info.config).toMatchObject({
      retention: 'limits',
      storage: 'file',
      subjects: ['call.*.audio.in', 'call.*.audio.sent', 'call.*.audio.fence'],
      max_age: 48 * 3600 * 1e9,
    });
    expect(info.config.max_msg_size).toBeGreaterThanOrEqual(64 * 1024);
  });

  it("gives back one call's caller and sent audio in publication order with headers, without audio.out or other calls, then purges it", async () => {
    const callId = uniqueCallId();
    const other = uniqueCallId();
    for (let seq = 0; seq < 5; seq++) {
      bus.publishAudio(subjects.audioIn(callId), new Uint8Array([seq, 1]), {
        [AudioHeader.seq]: seq,
        [AudioHeader.timelineMs]: seq * 100,
      });
      bus.publishAudio(subjects.audioSent(callId), new Uint8Array([seq, 2]), {
        [AudioHeader.seq]: seq,
        [AudioHeader.turn]: 1,
      });
      bus.publishAudio(subjects.audioOut(callId), new Uint8Array([seq, 3]), { [AudioHeader.seq]: seq });
      bus.publishAudio(subjects.audioIn(other), new Uint8Array([seq, 4]), { [AudioHeader.seq]: seq });
    }
    bus.publishAudio(subjects.audioIn(callId), new Uint8Array(64 * 1024), { [AudioHeader.seq]: 5 });
    const captured = await readCallAudio(bus, callId);
    expect(captured.complete).toBe(true);
    const described = (list: typeof captured.caller) =>
      list.map((m) => [m.subject.split('.').slice(2).join('.'), m.data[0], m.num(AudioHeader.seq)]);
    expect(described(captured.caller)).toEqual([
      ...[0, 1, 2, 3, 4].map((seq) => ['audio.in', seq, seq]),
      ['audio.in', 0, 5],
    ]);
    expect(described(captured.agent)).toEqual([0, 1, 2, 3, 4].map((seq) => ['audio.sent', seq, seq]));
    expect(captured.caller.at(-1)?.data.byteLength).toBe(64 * 1024);
    expect(captured.caller[1]?.num(AudioHeader.timelineMs)).toBe(100);
    // The reader deletes its consumers (the client would leave them on the server for five minutes).
    expect(await consumersOfCall(bus, AUDIO_STREAM, callId)).toBe(0);
    expect(await callsWithCapturedAudio(bus)).toEqual(expect.arrayContaining([callId, other]));

    expect(await purgeCallAudio(bus, callId)).toBe(12); // 11 chunks and the fence
    expect(await callsWithCapturedAudio(bus)).not.toContain(callId);
    expect(await readCallAudio(bus, callId)).toEqual({ caller: [], agent: [], complete: true });
    await purgeCallAudio(bus, callId);
    await purgeCallAudio(bus, other);
  });

  it('reads a call of 40 frames, and a second read after more audio gets that too', async () => {
    const callId = uniqueCallId();
    const publish = (seq: number) => {
      bus.publishAudio(subjects.audioIn(callId), new Uint8Array([seq]), { [AudioHeader.seq]: seq });
      if (seq % 2 === 0)
        bus.publishAudio(subjects.audioSent(callId), new Uint8Array([seq]), { [AudioHeader.seq]: seq });
    };
    for (let seq = 0; seq < 40; seq++) publish(seq);
    const captured = await readCallAudio(bus, callId);
    publish(40);
    expect(captured.complete).toBe(true);
    expect(captured.caller.map((m) => m.num(AudioHeader.seq))).toEqual([...Array(40).keys()]);
    expect(captured.agent.map((m) => m.num(AudioHeader.seq))).toEqual([...Array(20).keys()].map((i) => i * 2));
    expect((await readCallAudio(bus, callId)).caller).toHaveLength(41);
    expect(await consumersOfCall(bus, AUDIO_STREAM, callId)).toBe(0);
    await purgeCallAudio(bus, callId);
  });

  it('finishes at once for a call with no audio on a side', async () => {
    const callId = uniqueCallId();
    bus.publishAudio(subjects.audioIn(callId), new Uint8Array([1]), { [AudioHeader.seq]: 0 });
    const captured = await readCallAudio(bus, callId, { timeoutMs: 10_000 });
    expect(captured).toMatchObject({ complete: true, agent: [] });
    expect(captured.caller).toHaveLength(1);
    await purgeCallAudio(bus, callId);
  });
});
