import { ErrorCode, type AgentConfig } from '@audexly/protocol';
import { withLlmRetry } from '@audexly/providers';
import type { CallPort } from '@audexly/stage';
import { AgentTurns } from './agent-turns.js';
import { ConversationHistory } from './history.js';
import { IdleWatch } from './idle-watch.js';
import type { LlmChoice } from './llm-provider.js';
import { buildSystemPrompt } from './prompt.js';
import { AgentTools } from './tools.js';
import { runToolCalls, type Ending } from './tool-calls.js';
import { SpeculativeLlm } from './speculation.js';
import { watchFirstSentence } from './sentence-splitter.js';
import { replyRequest, streamReply, type ReplyOutcome, type ReplySettings } from './turn-runner.js';
import { traceLlmTurn, traceSpeculation } from './turn-span.js';
import { userText, type CallerInput } from './caller-input.js';

/** Service tuning of a conversation (the agent's config supplies the rest). */
export interface ConversationSettings extends Pick<ReplySettings, 'idleTimeoutMs' | 'minSegmentChars'> {
  /** Pause before the one retry of a turn whose model call failed retryably before anything was said. */
  retryDelayMs: number;
  /** Model rounds per turn (each tool result starts another). */
  maxToolRounds: number;
}

/**
 * One call's dialogue. Turn numbers come from {@link AgentTurns} (turn n answers utterance n; the
 * greeting is turn 0; agent speech that answers no utterance continues the latest turn with further
 * segments). A turn's segment numbers are unique; every run of the model (or fixed phrase) ends
 * with a `reply.done` carrying the turn's totals so far.
 */
export class Conversation {
  readonly history: ConversationHistory;
  private readonly agent: AgentConfig;
  private readonly tools: AgentTools;
  private readonly idle: IdleWatch;
  private current: { turn: number; controller: AbortController; done: Promise<void> } | null = null;
  private greeted = false;
  /** Set once the agent has decided to end the call (hang-up or transfer): no more turns. */
  private closing = false;
  private readonly turns = new AgentTurns();
  private readonly turnSegments = new Map<number, string[]>();
  private readonly interrupted = new Set<number>();
  private maxCallTimer: NodeJS.Timeout | undefined;
  /** Utterances the gateway paused the agent for (`playback.paused`), with the turn paused. */
  private readonly pausedFor = new Map<number, number>();
  /** Paused turns whose pause is not decided yet: resolved by `playback.resumed` / `playback.interrupted`. */
  private readonly undecided = new Map<number, () => void>();
  private readonly undecidedDone = new Map<number, Promise<void>>();
  /** The latest reply the idle clock waits to hear, and the last segment heard per turn. */
  private lastReply: { turn: number; lastSegment: number | null } | null = null;
  private readonly playedThrough = new Map<number, number>();
  /** `turn.speculate`: the model provider that can start an answer before the turn is confirmed. */
  private readonly speculation: SpeculativeLlm | null;
  /** The text the running speculation answers (see {@link speculatedWording}). */
  private speculatedText: { utterance: number; text: string } | null = null;

  constructor(
    private readonly call: CallPort,
    private readonly llm: LlmChoice,
    private readonly settings: ConversationSettings,
    now = new Date(),
  ) {
    this.agent = call.call.agent;
    const system = buildSystemPrompt(call.call, now);
    call.log.debug({ pii: { prompt: system } }, 'system prompt');
    this.history = new ConversationHistory(system);
    this.tools = new AgentTools(this.agent);
    this.speculation = this.agent.turn.speculate && llm.provider ? new SpeculativeLlm(llm.provider) : null;
    this.idle = new IdleWatch(this.agent.limits, {
      reprompt: () => this.reprompt(),
      hangup: () => this.endFromTimer({ kind: 'hangup', reason: 'caller-idle' }),
    });
  }

  /** Starts the maximum-duration clock (from the call's start on the timeline). */
  start(): void {
    const left = this.agent.limits.maxCallMs - this.call.timelineMs();
    this.maxCallTimer = setTimeout(
      () => this.endFromTimer({ kind: 'hangup', reason: 'max-duration' }),
      Math.max(0, left),
    );
  }

  /** `call.started`: the greeting as turn 0 (no model call), one segment so TTS can serve it from its cache. */
  greet(): void {
    if (this.greeted) return;
    this.greeted = true;
    const greeting = this.agent.greeting.trim();
    const turn = this.turns.greeting();
    if (greeting) this.speakFixed(turn, greeting);
    else this.idle.arm();
  }

  /** Caller speech began (utterance n): the idle clock stops. */
  speechStarted(utterance: number): void {
    this.turns.heard(utterance);
    this.idle.busy();
  }

  /**
   * A final transcript (empty ones only restart the idle clock). A backchannel ("ok", "haan") that
   * paused the agent's turn is not a caller turn: no answer, nothing in the history. Other words
   * that paused it are answered once the gateway has decided the pause (so the history is already
   * cut to what was heard).
   */
  async heardSpeech(utterance: number, text: string, backchannel = false): Promise<void> {
    this.turns.heard(utterance);
    if (this.turns.isAnswered(utterance)) return;
    if (text.trim() === '') {
      if (!this.current) this.idle.arm();
      return;
    }
    const pausedTurn = this.pausedFor.get(utterance);
    if (pausedTurn !== undefined && backchannel) {
      this.call.log.info({ utterance, turn: pausedTurn, pii: { text } }, 'backchannel over the agent: not answered');
      this.listenOn();
      return;
    }
    if (pausedTurn !== undefined) await this.decision(pausedTurn);
    await this.answer({ kind: 'speech', utterance, text: this.speculatedWording(utterance, text) });
  }

  /**
   * The text a turn is answered with: the speculated one when the final says the same words and
   * differs only in case and punctuation (an interim transcript is often unpunctuated), so the
   * request the speculation sent is the turn's and is taken over, not sent again. The call
   * record keeps STT's final text; the model's history holds what the answer was made from.
   */
  private speculatedWording(utterance: number, text: string): string {
    const speculated = this.speculatedText;
    this.speculatedText = null;
    if (!speculated || speculated.utterance !== utterance || speculated.text === text) return text;
    if (wordsOf(speculated.text) !== wordsOf(text)) return text;
    this.call.log.debug({ utterance }, 'final differs from the speculated text only in case or punctuation');
    return speculated.text;
  }

  /**
   * `speech.tentative`: the caller paused; start the answer to what they said so far. Nothing of
   * it enters the history: the model request is only taken over by the turn's answer if that asks
   * exactly the same (same text, same history), else aborted. With `turn.speculateTts` its first
   * sentence goes to TTS as `reply.prepare`, heard only if the turn's first segment says the same.
   */
  tentative(utterance: number, text: string): void {
    const speculation = this.speculation;
    if (!speculation || this.closing || this.turns.isAnswered(utterance) || this.pausedFor.has(utterance)) return;
    if (text.trim() === '') return;
    const messages = [
      ...this.history.messages(),
      { role: 'user' as const, content: userText({ kind: 'speech', utterance, text }, this.agent) },
    ];
    this.speculatedText = { utterance, text };
    this.call.log.debug({ utterance }, 'speculative answer started');
    const request = replyRequest(messages, this.replySettings());
    const watcher = this.agent.turn.speculateTts
      ? watchFirstSentence({ minChars: this.settings.minSegmentChars }, (sentence) =>
          this.call.publish('reply', { type: 'reply.prepare', utterance, text: sentence }),
        )
      : null;
    traceSpeculation(this.call.callId, utterance, this.agent, () =>
      speculation.speculate(request, this.call.signal, watcher),
    );
  }

  /** `speech.resumed`: the caller spoke on; the speculative answer is aborted. */
  speechResumed(utterance: number): void {
    if (!this.speculation) return;
    this.call.log.debug({ utterance }, 'caller spoke on: speculative answer aborted');
    this.speculatedText = null;
    this.speculation.cancel();
  }

  /** `speech.noise`: an utterance without words. */
  heardNoise(utterance: number): void {
    this.turns.heard(utterance);
    if (this.pausedFor.has(utterance)) this.listenOn();
    else if (!this.current) this.idle.arm();
  }

  /** `playback.paused`: caller speech paused the agent's `turn` until its transcript decides. */
  paused(turn: number, utterance: number): void {
    this.pausedFor.set(utterance, turn);
    if (this.undecided.has(turn)) return;
    this.undecidedDone.set(turn, new Promise<void>((resolve) => this.undecided.set(turn, resolve)));
  }

  /** `playback.resumed`: the paused turn plays on. */
  resumed(turn: number): void {
    this.decide(turn);
  }

  /** Digits the caller keyed in: one caller input, answered as the current agent turn. */
  async heardDtmf(digits: string, terminated: boolean): Promise<void> {
    await this.answer({ kind: 'dtmf', digits, terminated });
  }

  /** `control.interrupt`: stop generating the turn. */
  interrupt(turn: number): void {
    this.interrupted.add(turn);
    if (this.current?.turn === turn) this.current.controller.abort();
  }

  /** `playback.interrupted`: keep only the segments the caller heard. */
  heard(turn: number, heardSegments: number[]): void {
    this.interrupted.add(turn);
    this.history.keepHeard(turn, heardSegments);
    this.decide(turn);
  }

  /** `playback.segment-played`. */
  played(turn: number, segment: number): void {
    this.playedThrough.set(turn, Math.max(this.playedThrough.get(turn) ?? -1, segment));
    this.idle.played(turn, segment);
  }

  async close(): Promise<void> {
    clearTimeout(this.maxCallTimer);
    for (const turn of [...this.undecided.keys()]) this.decide(turn);
    this.idle.stop();
    await this.abortCurrent();
    await this.speculation?.close();
  }

  // ---- recovery (replaying the call's event log) ------------------------------------------------

  /** Replay: the greeting was already spoken (or the call already started). */
  restoreGreeted(): void {
    this.greeted = true;
    this.turns.greeting();
  }

  /** Replay: a caller input the model saw. */
  restoreUser(input: CallerInput): void {
    if (input.kind === 'speech') this.turns.replayAnswered(input.utterance);
    this.history.addUser(userText(input, this.agent));
  }

  /** Replay: an utterance started (or ended without words). */
  restoreUtterance(utterance: number): void {
    this.turns.heard(utterance);
  }

  /** Replay: a segment the agent said. */
  restoreSegment(turn: number, segment: number, text: string): void {
    this.turns.replaySpoke(turn);
    const segments = this.turnSegments.get(turn) ?? [];
    segments[segment] = text;
    this.turnSegments.set(turn, segments);
    this.history.addSpoken(turn, segment, text);
  }

  /** Replay: the agent ended the call (hang-up or transfer requested). */
  restoreClosing(): void {
    this.closing = true;
  }

  /** After a replay whose last utterance got no answer: answer it now (its words are in the history). */
  resumeAnswer(utterance: number): void {
    if (this.closing) return;
    const turn = this.turns.answer(utterance);
    this.run(turn, (signal) => this.runModel(turn, signal));
  }

  /** After a replay with nothing left to answer: the caller is the one to speak. */
  resumeListening(): void {
    if (!this.closing) this.idle.arm();
  }

  // ---- pauses (barge-in decided by the transcript) ----------------------------------------------

  private decide(turn: number): void {
    this.undecided.get(turn)?.();
    this.undecided.delete(turn);
    this.undecidedDone.delete(turn);
  }

  /** Waits (bounded) for the gateway to resume or interrupt the paused `turn`. */
  private async decision(turn: number): Promise<void> {
    const done = this.undecidedDone.get(turn);
    if (!done) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, PAUSE_DECISION_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /**
   * The caller's sound over the agent was not a turn: the agent keeps the floor. The idle clock
   * (stopped at the onset) waits again for the agent's reply to be heard.
   */
  private listenOn(): void {
    if (this.current || this.closing) return;
    const reply = this.lastReply;
    if (reply && reply.lastSegment !== null && (this.playedThrough.get(reply.turn) ?? -1) < reply.lastSegment)
      this.idle.replied(reply.turn, reply.lastSegment);
    else this.idle.arm();
  }

  // ---- turns ----------------------------------------------------------------------------------

  private async answer(input: CallerInput): Promise<void> {
    if (this.closing) return;
    await this.abortCurrent();
    const turn = input.kind === 'speech' ? this.turns.answer(input.utterance) : this.turns.initiative();
    this.history.addUser(userText(input, this.agent));
    if (input.kind === 'dtmf') this.call.log.info({ pii: { digits: input.digits } }, 'DTMF input');
    this.run(turn, (signal) => this.runModel(turn, signal));
  }

  private run(turn: number, work: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    this.idle.busy();
    const signal = AbortSignal.any([this.call.signal, controller.signal]);
    const done = traceLlmTurn(this.call.callId, turn, this.agent, () => work(signal)).catch((err: unknown) => {
      this.call.error(ErrorCode.internal, 'the turn failed', { turn, err });
    });
    this.current = { turn, controller, done };
  }

  private async abortCurrent(): Promise<void> {
    const current = this.current;
    this.current = null;
    current?.controller.abort();
    await current?.done;
  }

  /** One agent turn with the model: stream, run tools, stream again with their results, until it is said. */
  private async runModel(turn: number, signal: AbortSignal): Promise<void> {
    const { call } = this;
    if (this.llm.provider === null) {
      call.error(ErrorCode.llmUpstream, this.llm.reason, { retryable: false, turn });
      this.publishSegment(turn, this.agent.phrases.apology);
      this.finishTurn(turn, null, null);
      return;
    }
    const provider = this.speculation ?? this.llm.provider;
    const settings = this.replySettings();
    let firstTokenMs: number | null = null;
    let usage: ReplyOutcome['usage'] = null;
    let spoke = false;
    const retry = {
      signal,
      spoke: () => spoke,
      onRetry: (err: unknown) =>
        call.log.warn({ err, turn }, 'language model failed before saying anything; retrying once'),
    };
    for (let round = 0; round < this.settings.maxToolRounds; round++) {
      const outcome = await withLlmRetry({ delayMs: this.settings.retryDelayMs }, retry, () =>
        streamReply(provider, this.history.messages(), settings, signal, (text) => {
          spoke = true;
          this.publishSegment(turn, text);
        }),
      );
      firstTokenMs ??= outcome.firstTokenMs;
      usage = addUsage(usage, outcome.usage);
      if (outcome.status === 'failed') {
        const error = outcome.error!;
        call.error(error.code, `language model failed: ${error.message}`, {
          retryable: error.retryable,
          turn,
          err: error,
        });
        if (!signal.aborted) this.publishSegment(turn, this.agent.phrases.apology);
        break;
      }
      if (outcome.status === 'aborted' || outcome.toolCalls.length === 0) break;
      const ending = await runToolCalls(
        outcome.toolCalls,
        { history: this.history, tools: this.tools, log: call.log },
        signal,
      );
      if (signal.aborted) break;
      if (ending) {
        const phrase = ending.kind === 'hangup' ? this.agent.phrases.goodbye : this.agent.phrases.transfer;
        if (outcome.segments.length === 0 && phrase.trim()) this.publishSegment(turn, phrase.trim());
        this.finishTurn(turn, firstTokenMs, usage);
        this.publishEnding(ending, turn);
        return;
      }
    }
    this.finishTurn(turn, firstTokenMs, usage);
  }

  private replySettings() {
    const { llm } = this.agent;
    return {
      ...this.settings,
      model: llm.model,
      temperature: llm.temperature,
      maxTokens: llm.maxTokens,
      tools: this.tools.definitions,
    };
  }

  /** Says a fixed phrase (greeting, idle prompt) in `turn`. */
  private speakFixed(turn: number, text: string): void {
    this.publishSegment(turn, text);
    this.finishTurn(turn, null, null);
  }

  private reprompt(): void {
    if (this.closing || this.current) return;
    const phrase = this.agent.phrases.idlePrompt.trim();
    if (!phrase) return;
    this.call.log.info('caller idle: re-prompting');
    const turn = this.turns.initiative();
    this.publishSegment(turn, phrase);
    this.publishDone(turn, null, null);
  }

  /** Ends the call from a timer, where nobody awaits: a failure is logged, never an unhandled rejection. */
  private endFromTimer(ending: Ending): void {
    this.end(ending).catch((err: unknown) =>
      this.call.log.warn({ err, reason: ending.reason }, 'could not end the call'),
    );
  }

  /** Ends the call from the agent's side (idle caller, maximum duration): goodbye, then hang up after it. */
  private async end(ending: Ending): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.idle.stop();
    clearTimeout(this.maxCallTimer);
    await this.abortCurrent();
    if (this.call.signal.aborted) return;
    this.call.log.info({ reason: ending.reason }, 'agent ends the call');
    const turn = this.turns.initiative();
    const goodbye = this.agent.phrases.goodbye.trim();
    if (goodbye) {
      this.publishSegment(turn, goodbye);
      this.publishDone(turn, null, null);
    }
    this.publishEnding(ending, turn);
  }

  private publishEnding(ending: Ending, turn: number): void {
    this.closing = true;
    this.idle.stop();
    if (this.call.signal.aborted) return;
    if (ending.kind === 'hangup') {
      this.call.log.info({ reason: ending.reason, afterTurn: turn }, 'hang-up requested');
      this.call.publish('control', { type: 'control.hangup', reason: ending.reason, afterTurn: turn });
    } else {
      this.call.log.info({ reason: ending.reason, afterTurn: turn, pii: { to: ending.to } }, 'transfer requested');
      this.call.publish('control', { type: 'control.transfer', to: ending.to, reason: ending.reason, afterTurn: turn });
    }
  }

  private publishSegment(turn: number, text: string): void {
    const segments = this.turnSegments.get(turn) ?? [];
    this.turnSegments.set(turn, segments);
    const segment = segments.length;
    segments.push(text);
    this.history.addSpoken(turn, segment, text);
    this.call.publish('reply', { type: 'reply.segment', turn, segment, text });
  }

  /** `reply.done` with the turn's totals so far; the idle clock starts once its last segment is heard. */
  private finishTurn(turn: number, firstTokenMs: number | null, usage: ReplyOutcome['usage']): void {
    this.publishDone(turn, firstTokenMs, usage);
    // An interrupted turn leaves the floor to the caller: their final transcript decides what comes next.
    if (!this.closing && !this.interrupted.has(turn)) {
      const count = this.turnSegments.get(turn)?.length ?? 0;
      this.lastReply = { turn, lastSegment: count > 0 ? count - 1 : null };
      this.idle.replied(turn, count > 0 ? count - 1 : null);
    }
  }

  private publishDone(turn: number, firstTokenMs: number | null, usage: ReplyOutcome['usage']): void {
    if (this.call.signal.aborted) return;
    const segments = this.turnSegments.get(turn) ?? [];
    const text = segments.join(' ');
    this.call.log.info({ turn, segments: segments.length, firstTokenMs, pii: { text } }, 'reply');
    this.call.publish('reply', {
      type: 'reply.done',
      turn,
      segments: segments.length,
      text,
      providerFirstTokenMs: firstTokenMs,
      usage,
    });
  }
}

/**
 * Longest wait, after a transcript with words that paused the agent, for the gateway's decision
 * (published at the same transcript, so it normally takes a few ms).
 */
const PAUSE_DECISION_WAIT_MS = 500;

function addUsage(a: ReplyOutcome['usage'], b: ReplyOutcome['usage']): ReplyOutcome['usage'] {
  if (!a || !b) return a ?? b;
  return { promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens };
}

/** The words of a transcript, without case or punctuation (Latin or Devanagari). */
function wordsOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .split(/\s+/)
    .filter((w) => w !== '')
    .join(' ');
}
