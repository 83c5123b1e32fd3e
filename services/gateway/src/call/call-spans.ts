/**
 * The call's trace as the gateway sees it: the root `call` span (from `start` to the end of the
 * call) and one `turn` span per agent turn (greeting = turn 0), with its `playback` span, both
 * emitted when the turn ends. Their ids are derived from the call id (`@audexly/telemetry`'s call
 * trace), so the stages' spans, parented on the same ids, land beneath them without propagation.
 *
 * It only watches the call's events — those the gateway publishes (playback, interrupts) and those
 * it receives (speech, reply) — and owns nothing else. Exists only when tracing is on.
 */
import type { AnyEvent } from '@audexly/protocol';
import {
  startCallSpan,
  startCallStageSpan,
  startTurnSpan,
  type CallSpanAttributes,
  type Span,
} from '@audexly/telemetry';

/** Turn numbers at or above this are not agent turns (the no-capacity apology). */
const NOT_A_TURN = 1_000_000;

interface TurnState {
  /** Epoch ms: the caller's speech began (the call began, for turn 0). */
  startAt?: number;
  /** Epoch ms the caller stopped speaking. */
  speechEndAt?: number;
  /** Epoch ms the first audio of the turn was sent to Exotel. */
  playbackAt?: number;
  firstAudioInAt?: number;
  ttsProviderMs?: number;
  announced?: number;
  heard: number;
  events: { name: string; at: number; attributes: CallSpanAttributes }[];
}

export class CallSpans {
  private readonly call: Span;
  private readonly turns = new Map<number, TurnState>();
  private readonly done = new Set<number>();
  private attributes: CallSpanAttributes;
  private ended = false;

  constructor(
    private readonly callId: string,
    private readonly startedAt: number,
    streamSid: string,
  ) {
    this.attributes = { streamSid };
    this.call = startCallSpan(callId, startedAt, this.attributes);
    this.turn(0).startAt = startedAt;
  }

  /** The agent is chosen: its id and language go on the call and every turn. */
  agentChosen(agentId: string, language: string | undefined, direction: string): void {
    this.attributes = { ...this.attributes, agentId, language };
    this.call.setAttributes({ 'audexly.agent_id': agentId, 'audexly.direction': direction });
    if (language) this.call.setAttribute('audexly.language', language);
  }

  /** An event of the call, published by the gateway or received by it. */
  event(event: AnyEvent): void {
    if (this.ended) return;
    const at = this.startedAt + event.timelineMs;
    switch (event.type) {
      case 'speech.started':
        this.turn(event.utterance).startAt ??= this.startedAt + event.speechStartMs;
        return;
      case 'speech.stopped':
        this.turn(event.utterance).speechEndAt = this.startedAt + event.speechEndMs;
        return;
      case 'speech.noise':
        if (this.turns.get(event.utterance)?.playbackAt === undefined) this.endTurn(event.utterance, at, 'noise');
        return;
      case 'reply.done': {
        const turn = this.turn(event.turn);
        turn.announced = event.segments;
        if (turn.playbackAt !== undefined && turn.heard >= event.segments) this.endTurn(event.turn, at, 'heard');
        return;
      }
      case 'playback.started': {
        const turn = this.turn(event.turn);
        turn.playbackAt = at;
        turn.firstAudioInAt = this.startedAt + event.firstAudioInMs;
        if (event.ttsProviderMs !== undefined) turn.ttsProviderMs = event.ttsProviderMs;
        return;
      }
      case 'playback.segment-played': {
        const turn = this.turn(event.turn);
        turn.heard += 1;
        if (turn.announced !== undefined && turn.heard >= turn.announced) this.endTurn(event.turn, at, 'heard');
        return;
      }
      case 'playback.paused':
      case 'playback.resumed':
        this.turn(event.turn).events.push({
          name: event.type,
          at,
          attributes: { 'audexly.utterance': event.utterance },
        });
        return;
      case 'control.interrupt': {
        // Published by the gateway (barge-in) and received back, or received from the llm.
        const events = this.turn(event.turn).events;
        if (!events.some((e) => e.name === 'interrupt'))
          events.push({ name: 'interrupt', at, attributes: { reason: event.reason } });
        return;
      }
      case 'playback.interrupted':
        this.endTurn(event.turn, at, 'interrupted', event.heardSegments.length);
        return;
      default:
        return;
    }
  }

  /** The call ended: open turns end with it, then the call span. */
  end(reason: string, at = Date.now()): void {
    if (this.ended) return;
    for (const n of [...this.turns.keys()]) this.endTurn(n, at, 'call-ended');
    this.ended = true;
    this.call.setAttribute('audexly.end_reason', reason);
    this.call.end(at);
  }

  private turn(n: number): TurnState {
    let turn = this.turns.get(n);
    // A turn already emitted: what comes after it is dropped (a span id is used once).
    if (this.done.has(n)) return { heard: 0, events: [] };
    if (!turn) {
      turn = { heard: 0, events: [] };
      this.turns.set(n, turn);
    }
    return turn;
  }

  private endTurn(n: number, at: number, outcome: string, heardSegments?: number): void {
    const turn = this.turns.get(n);
    if (!turn || n >= NOT_A_TURN) return;
    this.turns.delete(n);
    this.done.add(n);
    const startAt = Math.min(turn.startAt ?? turn.firstAudioInAt ?? turn.playbackAt ?? at, at);
    const span = startTurnSpan(this.callId, n, startAt, this.attributes);
    span.setAttributes({ 'audexly.turn.outcome': outcome, 'audexly.segments_heard': heardSegments ?? turn.heard });
    if (turn.speechEndAt !== undefined && turn.playbackAt !== undefined)
      span.setAttribute('audexly.voice_to_voice_ms', Math.max(0, turn.playbackAt - turn.speechEndAt));
    for (const e of turn.events) span.addEvent(e.name, e.attributes, e.at);
    if (turn.playbackAt !== undefined) {
      const playback = startCallStageSpan('playback', this.callId, n, this.attributes, {
        startTime: Math.min(turn.playbackAt, at),
      });
      playback.setAttributes({
        'audexly.segments_heard': heardSegments ?? turn.heard,
        'audexly.interrupted': outcome === 'interrupted',
        ...(turn.firstAudioInAt !== undefined
          ? { 'audexly.first_audio_wait_ms': Math.max(0, turn.playbackAt - turn.firstAudioInAt) }
          : {}),
        ...(turn.ttsProviderMs !== undefined ? { 'audexly.tts.provider_ms': turn.ttsProviderMs } : {}),
      });
      for (const e of turn.events) playback.addEvent(e.name, e.attributes, e.at);
      playback.end(at);
    }
    span.end(at);
  }
}
