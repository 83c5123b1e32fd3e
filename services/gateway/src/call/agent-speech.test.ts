import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AudioHeader, type AudioHeaderName } from '@audexly/protocol';
import type { AudioMessage } from '@audexly/bus';
import { createLogger, createMetricsRegistry } from '@audexly/telemetry';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics.js';
import { systemClock } from '../pacer.js';
import { AgentSpeech } from './agent-speech.js';
import type { CallBus } from './call-bus.js';
import { CallTimeline } from './call-timeline.js';
import type { ExotelSocket } from './exotel-socket.js';

/** The agent's speech on fake ports: what went to Exotel, and what was published. */
function setup(
  options: {
    bargeIn?: boolean;
    bargeInMode?: 'clear' | 'pause';
    resumeFrom?: 'pause' | 'sentence';
    metrics?: GatewayMetrics;
    leadMs?: number;
  } = {},
) {
  const exotel: string[] = [];
  const events: { type: string; [k: string]: unknown }[] = [];
  const sent: number[] = [];
  const bus = {
    callId: 'c1',
    publish: (_family: string, event: { type: string }) => events.push(event),
    publishAudio: (_subject: string, _pcm: Uint8Array, headers: Partial<Record<AudioHeaderName, number>>) =>
      sent.push(headers[AudioHeader.turn]!),
  } as unknown as CallBus;
  const socket = {
    send: (m: string) => exotel.push((JSON.parse(m) as { event: string; mark?: { name: string } }).event),
  } as unknown as ExotelSocket;
  const metrics =
    options.metrics ?? ({ observeChunk: () => undefined, voiceToVoiceMs: { observe: () => undefined } } as never);
  const speech = new AgentSpeech({
    socket,
    bus,
    timeline: new CallTimeline(systemClock),
    log: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    streamSid: 's1',
    sampleRate: 8000,
    chunk: { targetMs: 100, minMs: 100, maxMs: 200 },
    leadMs: options.leadMs ?? 0,
    bargeIn: options.bargeIn ?? true,
    bargeInMode: options.bargeInMode ?? 'clear',
    bargeInDecisionMs: 1500,
    resumeFrom: options.resumeFrom ?? 'pause',
  });
  return { speech, exotel, events, sent };
}

/** An `audio.out` message of `ms` of audio. */
function audio(turn: number, segment: number, ms: number, last: boolean, instance?: string): AudioMessage {
  const headers: Record<string, string> = {
    [AudioHeader.turn]: String(turn),
    [AudioHeader.segment]: String(segment),
    ...(last ? { [AudioHeader.last]: '1' } : {}),
  };
  if (instance) headers[AudioHeader.instance] = instance;
  return {
    data: Buffer.alloc(ms * 16),
    subject: 'call.c1.audio.out',
    header: (name) => headers[name],
    num: (name, fallback = 0) => (headers[name] === undefined ? fallback : Number(headers[name])),
  };
}

describe('AgentSpeech', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('plays a turn to Exotel in paced media with a mark per segment, and reports it', () => {
    const { speech, exotel, events, sent } = setup();
    speech.receive(audio(1, 0, 200, true));
    vi.advanceTimersByTime(500);
    expect(exotel).toEqual(['media', 'media', 'mark']);
    expect(sent).toEqual([1, 1]);
    expect(events.map((e) => e.type)).toEqual(['playback.started']);
    speech.markEchoed('t1s0');
    expect(events.at(-1)).toMatchObject({ type: 'playback.segment-played', turn: 1, segment: 0 });
  });

  it("counts the silence the caller hears when a segment's TTS audio comes late, by cause, and none between segments", async () => {
    const registry = createMetricsRegistry('gateway');
    const { speech } = setup({ metrics: createGatewayMetrics(registry), leadMs: 250 });
    speech.receive(audio(1, 0, 200, false));
    vi.advanceTimersByTime(500); // 200 ms played, then 300 ms of silence inside the sentence
    speech.receive(audio(1, 0, 200, true));
    vi.advanceTimersByTime(2000); // the next sentence, after a pause: not a gap
    speech.receive(audio(1, 1, 200, true));
    vi.advanceTimersByTime(1000);
    const text = await registry.metrics();
    expect(text).toContain('audexly_gateway_playout_gaps_total{cause="late_audio",service="gateway"} 1');
    expect(text).toContain('audexly_gateway_playout_gap_ms_sum{service="gateway"} 300');
  });

  it('when the caller speaks over the agent, clears Exotel, announces the interruption and drops the rest of the turn', () => {
    const { speech, exotel, events } = setup();
    speech.receive(audio(2, 0, 1000, true));
    vi.advanceTimersByTime(150);
    speech.callerStartedSpeaking(3);
    expect(exotel.at(-1)).toBe('clear');
    expect(events.filter((e) => e.type !== 'playback.started')).toEqual([
      { type: 'control.interrupt', turn: 2, reason: 'barge-in' },
      { type: 'playback.interrupted', turn: 2, heardSegments: [] },
    ]);
    const before = exotel.length;
    speech.receive(audio(2, 1, 200, true));
    vi.advanceTimersByTime(1000);
    expect(exotel.length).toBe(before);
    expect(speech.heard(2)).toBe(true);
  });

  it('between two sentences of a turn still in progress, caller speech is a barge-in', () => {
    const { speech, events } = setup();
    speech.receive(audio(3, 0, 100, true));
    vi.advanceTimersByTime(1000);
    speech.markEchoed('t3s0');
    vi.advanceTimersByTime(1000);
    speech.callerStartedSpeaking(4);
    expect(events.some((e) => e.type === 'control.interrupt')).toBe(true);
  });

  it('after the turn was heard in full (reply done, every segment heard), caller speech interrupts nothing', () => {
    const { speech, events, exotel } = setup();
    speech.receive(audio(3, 0, 100, true));
    speech.replyDone(3, 1);
    vi.advanceTimersByTime(1000);
    speech.markEchoed('t3s0');
    vi.advanceTimersByTime(1000);
    expect(speech.heard(3)).toBe(true);
    expect(speech.quietFor(300)).toBe(true);
    speech.callerStartedSpeaking(4);
    expect(events.some((e) => e.type === 'control.interrupt')).toBe(false);
    expect(exotel).not.toContain('clear');
  });

  it('with barge-in off, caller speech over the agent interrupts nothing', () => {
    const { speech, events } = setup({ bargeIn: false });
    speech.receive(audio(1, 0, 1000, true));
    vi.advanceTimersByTime(100);
    speech.callerStartedSpeaking(2);
    expect(events.some((e) => e.type === 'control.interrupt')).toBe(false);
  });

  describe("in pause mode (the interruption's transcript decides)", () => {
    /** A 2 s turn playing, the caller speaking over it 300 ms in. */
    function pausedAt300() {
      const t = setup({ bargeInMode: 'pause' });
      t.speech.receive(audio(2, 0, 2000, true));
      vi.advanceTimersByTime(300);
      t.speech.callerStartedSpeaking(3);
      return t;
    }

    it('at speech onset, stops feeding audio without clearing or dropping it', () => {
      const { exotel, events } = pausedAt300();
      const media = exotel.length;
      vi.advanceTimersByTime(1000);
      expect(exotel.length).toBe(media);
      expect(exotel).not.toContain('clear');
      expect(events.filter((e) => e.type !== 'playback.started')).toEqual([
        { type: 'playback.paused', turn: 2, utterance: 3 },
      ]);
    });

    it.each(['backchannel', 'noise'] as const)(
      'a %s resumes the turn where it paused: every chunk is sent once, no clear, no interruption',
      (verdict) => {
        const { speech, exotel, events } = pausedAt300();
        vi.advanceTimersByTime(600);
        speech.callerSpeechEnded(3, 900);
        speech.callerUtteranceDecided(3, verdict);
        vi.advanceTimersByTime(3000);
        // 2 s in 100 ms chunks, then the mark: all of it, nothing twice.
        expect(exotel).toEqual([...Array<string>(20).fill('media'), 'mark']);
        expect(events.find((e) => e.type === 'playback.resumed')).toMatchObject({
          turn: 2,
          utterance: 3,
          reason: verdict,
          pausedMs: 600,
          from: 'pause',
        });
        expect(events.some((e) => e.type === 'control.interrupt' || e.type === 'playback.interrupted')).toBe(false);
      },
    );

    it('with resumeFrom "sentence", a backchannel replays the sentence from its start, then the rest', () => {
      const t = setup({ bargeInMode: 'pause', resumeFrom: 'sentence' });
      t.speech.receive(audio(2, 0, 2000, true));
      t.speech.receive(audio(2, 1, 500, true));
      vi.advanceTimersByTime(300);
      t.speech.callerStartedSpeaking(3);
      const heardBefore = t.exotel.length;
      expect(heardBefore).toBeGreaterThan(0);
      vi.advanceTimersByTime(600);
      t.speech.callerSpeechEnded(3, 900);
      t.speech.callerUtteranceDecided(3, 'backchannel');
      vi.advanceTimersByTime(5000);
      // The caller heard `heardBefore` chunks of sentence 0, then all 20 of it, its mark, then sentence 1.
      expect(t.exotel).toEqual([
        ...Array<string>(heardBefore + 20).fill('media'),
        'mark',
        ...Array<string>(5).fill('media'),
        'mark',
      ]);
      expect(t.events.find((e) => e.type === 'playback.resumed')).toMatchObject({
        turn: 2,
        reason: 'backchannel',
        from: 'sentence',
      });
      expect(t.exotel).not.toContain('clear');
    });

    it('a transcript with other words clears the turn as a barge-in', () => {
      const { speech, exotel, events } = pausedAt300();
      vi.advanceTimersByTime(800);
      speech.callerUtteranceDecided(3, 'speech');
      expect(exotel.at(-1)).toBe('clear');
      expect(events.filter((e) => e.type === 'control.interrupt' || e.type === 'playback.interrupted')).toEqual([
        { type: 'control.interrupt', turn: 2, reason: 'barge-in' },
        { type: 'playback.interrupted', turn: 2, heardSegments: [] },
      ]);
      // The next turn plays (the pause does not outlive the interruption).
      speech.receive(audio(4, 0, 200, true));
      vi.advanceTimersByTime(500);
      expect(exotel.slice(exotel.indexOf('clear') + 1)).toEqual(['media', 'media', 'mark']);
    });

    it('with no decision in time, clears if the caller is still speaking', () => {
      const { exotel } = pausedAt300();
      vi.advanceTimersByTime(1499);
      expect(exotel).not.toContain('clear');
      vi.advanceTimersByTime(1);
      expect(exotel.at(-1)).toBe('clear');
    });

    it('with no decision in time and the caller quiet, resumes; a transcript with words arriving later still clears', () => {
      const { speech, exotel, events } = pausedAt300();
      vi.advanceTimersByTime(400);
      speech.callerSpeechEnded(3, 700);
      vi.advanceTimersByTime(1100);
      expect(events.at(-1)).toMatchObject({ type: 'playback.resumed', reason: 'timeout' });
      vi.advanceTimersByTime(300);
      speech.callerUtteranceDecided(3, 'speech');
      expect(exotel.at(-1)).toBe('clear');
    });

    it('waits for every utterance heard over the agent before resuming', () => {
      const { speech, exotel, events } = pausedAt300();
      speech.callerUtteranceDecided(3, 'backchannel');
      expect(events.at(-1)).toMatchObject({ type: 'playback.resumed' });
      speech.callerStartedSpeaking(4);
      speech.callerStartedSpeaking(5);
      speech.callerUtteranceDecided(4, 'noise');
      expect(events.at(-1)).toMatchObject({ type: 'playback.paused', utterance: 4 });
      speech.callerUtteranceDecided(5, 'speech');
      expect(exotel.at(-1)).toBe('clear');
    });

    it('caller speech when the agent is not speaking pauses nothing', () => {
      const { speech, events } = setup({ bargeInMode: 'pause' });
      speech.callerStartedSpeaking(1);
      speech.callerUtteranceDecided(1, 'speech');
      expect(events).toEqual([]);
    });
  });

  it('does not play audio of an instance that lost the call, until it holds the call again', () => {
    const { speech, exotel } = setup();
    speech.ignoreInstance('tts-old');
    speech.receive(audio(1, 0, 200, true, 'tts-old'));
    vi.advanceTimersByTime(500);
    expect(exotel).toEqual([]);
    speech.trustInstance('tts-old');
    speech.receive(audio(1, 0, 200, true, 'tts-old'));
    vi.advanceTimersByTime(500);
    expect(exotel).toContain('media');
  });
});
