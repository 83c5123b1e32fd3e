import { ErrorCode, type AgentConfig } from '@audexly/protocol';
import type { LlmToolCall } from '@audexly/providers';
import type { StageCall } from '@audexly/stage';
import { ConversationHistory } from './history.js';
import { IdleWatch } from './idle-watch.js';
import type { LlmChoice } from './llm-provider.js';
import { buildSystemPrompt } from './prompt.js';
import { parseToolArguments } from './tool-arguments.js';
import { AgentTools } from './tools.js';
import { streamReply, type ReplyOutcome, type ReplySettings } from './turn-runner.js';
import { callWebhook } from './webhook-tool.js';
import { userText, type CallerInput } from './caller-input.js';

/** Service tuning of a conversation (the agent's config supplies the rest). */
export interface ConversationSettings extends Pick<ReplySettings, 'idleTimeoutMs' | 'minSegmentChars'> {
  /** Pause before the one retry of a turn whose model call failed retryably before anything was said. */
  retryDelayMs: number;
  /** Model rounds per turn (each tool result starts another). */
  maxToolRounds: number;
}

type Ending = { kind: 'hangup'; reason: string } | { kind: 'transfer'; to: string; reason: string };

/**
 * One call's dialogue. Turn n answers utterance n; the greeting is turn 0. Agent speech that
 * answers no utterance (a DTMF answer, the idle prompt, a goodbye) continues the latest agent turn
 * with further segments — or takes the number of a newer utterance that got no answer — so turn
 * numbers stay monotonic for TTS and the gateway. A turn's segment numbers are unique; every run
 * of the model (or fixed phrase) ends with a `reply.done` carrying the turn's totals so far.
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
  private lastAgentTurn = -1;
  /** Newest utterance seen (started or final). */
  private latestUtterance = 0;
  /** Newest utterance given to the model (so an utterance is never answered twice). */
  private answeredUtterance = 0;
  private readonly turnSegments = new Map<number, string[]>();
  private readonly interrupted = new Set<number>();
  private maxCallTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly call: StageCall,
    private readonly llm: LlmChoice,
    private readonly settings: ConversationSettings,
    now = new Date(),
  ) {
    this.agent = call.call.agent;
    const system = buildSystemPrompt(call.call, now);
    call.log.debug({ pii: { prompt: system } }, 'system prompt');
    this.history = new ConversationHistory(system);
    this.tools = new AgentTools(this.agent);
    this.idle = new IdleWatch(this.agent.limits, { reprompt: () => this.reprompt(), hangup: () => this.endFromTimer({ kind: 'hangup', reason: 'caller-idle' }) });
  }

  /** Starts the maximum-duration clock (from the call's start on the timeline). */
  start(): void {
    const left = this.agent.limits.maxCallMs - this.call.timelineMs();
    this.maxCallTimer = setTimeout(() => this.endFromTimer({ kind: 'hangup', reason: 'max-duration' }), Math.max(0, left));
  }

  /** `call.started`: the greeting as turn 0 (no model call), one segment so TTS can serve it from its cache. */
  greet(): void {
    if (this.greeted) return;
    this.greeted = true;
    const greeting = this.agent.greeting.trim();
    this.lastAgentTurn = Math.max(this.lastAgentTurn, 0);
    if (greeting) this.speakFixed(0, greeting);
    else this.idle.arm();
  }

  /** Caller speech began (utterance n): the idle clock stops. */
  speechStarted(utterance: number): void {
    this.latestUtterance = Math.max(this.latestUtterance, utterance);
    this.idle.busy();
  }

  /** A final transcript (empty ones only restart the idle clock). */
  async heardSpeech(utterance: number, text: string): Promise<void> {
    this.latestUtterance = Math.max(this.latestUtterance, utterance);
    if (utterance <= this.answeredUtterance) return;
    if (text.trim() === '') {
      if (!this.current) this.idle.arm();
      return;
    }
    await this.answer({ kind: 'speech', utterance, text });
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
  }

  /** `playback.segment-played`. */
  played(turn: number, segment: number): void {
    this.idle.played(turn, segment);
  }

  /** The agent ended the call itself (control.hangup / control.transfer seen, e.g. from the log). */
  get ended(): boolean {
    return this.closing;
  }

  async close(): Promise<void> {
    clearTimeout(this.maxCallTimer);
    this.idle.stop();
    await this.abortCurrent();
  }

  // ---- recovery (replaying the call's event log) ------------------------------------------------

  /** Replay: the greeting was already spoken (or the call already started). */
  restoreGreeted(): void {
    this.greeted = true;
    this.lastAgentTurn = Math.max(this.lastAgentTurn, 0);
  }

  /** Replay: a caller input the model saw. */
  restoreUser(input: CallerInput): void {
    if (input.kind === 'speech') {
      this.latestUtterance = Math.max(this.latestUtterance, input.utterance);
      this.answeredUtterance = Math.max(this.answeredUtterance, input.utterance);
    }
    this.history.addUser(userText(input, this.agent));
  }

  /** Replay: an utterance started (or ended without words). */
  restoreUtterance(utterance: number): void {
    this.latestUtterance = Math.max(this.latestUtterance, utterance);
  }

  /** Replay: a segment the agent said. */
  restoreSegment(turn: number, segment: number, text: string): void {
    this.lastAgentTurn = Math.max(this.lastAgentTurn, turn);
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
    this.run(Math.max(utterance, this.lastAgentTurn), (signal) => this.runModel(Math.max(utterance, this.lastAgentTurn), signal));
  }

  /** After a replay with nothing left to answer: the caller is the one to speak. */
  resumeListening(): void {
    if (!this.closing) this.idle.arm();
  }

  // ---- turns ----------------------------------------------------------------------------------

  private async answer(input: CallerInput): Promise<void> {
    if (this.closing) return;
    await this.abortCurrent();
    const turn = input.kind === 'speech' ? Math.max(input.utterance, this.lastAgentTurn) : this.initiativeTurn();
    if (input.kind === 'speech') this.answeredUtterance = Math.max(this.answeredUtterance, input.utterance);
    this.history.addUser(userText(input, this.agent));
    if (input.kind === 'dtmf') this.call.log.info({ pii: { digits: input.digits } }, 'DTMF input');
    this.run(turn, (signal) => this.runModel(turn, signal));
  }

  /** The turn number for agent speech that answers no new utterance (see the class comment). */
  private initiativeTurn(): number {
    if (this.latestUtterance > this.lastAgentTurn) return this.latestUtterance;
    return Math.max(this.lastAgentTurn, 0);
  }

  private run(turn: number, work: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    this.lastAgentTurn = Math.max(this.lastAgentTurn, turn);
    this.idle.busy();
    const done = work(AbortSignal.any([this.call.signal, controller.signal])).catch((err: unknown) => {
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
    const provider = this.llm.provider;
    const { llm } = this.agent;
    const settings = { ...this.settings, model: llm.model, temperature: llm.temperature, maxTokens: llm.maxTokens, tools: this.tools.definitions };
    let firstTokenMs: number | null = null;
    let usage: ReplyOutcome['usage'] = null;
    let spoke = false;
    for (let round = 0; round < this.settings.maxToolRounds; round++) {
      let outcome: ReplyOutcome;
      for (let attempt = 0; ; attempt++) {
        const said: string[] = [];
        outcome = await streamReply(provider, this.history.messages(), settings, signal, (text) => {
          said.push(text);
          this.publishSegment(turn, text);
        });
        spoke ||= said.length > 0;
        const retry = outcome.status === 'failed' && outcome.error?.retryable === true && attempt === 0 && !spoke && !signal.aborted;
        if (!retry) break;
        call.log.warn({ err: outcome.error, turn }, 'language model failed before saying anything; retrying once');
        await sleep(this.settings.retryDelayMs, signal);
      }
      firstTokenMs ??= outcome.firstTokenMs;
      usage = addUsage(usage, outcome.usage);
      if (outcome.status === 'failed') {
        const error = outcome.error!;
        call.error(error.code, `language model failed: ${error.message}`, { retryable: error.retryable, turn, err: error });
        if (!signal.aborted) this.publishSegment(turn, this.agent.phrases.apology);
        break;
      }
      if (outcome.status === 'aborted' || outcome.toolCalls.length === 0) break;
      const ending = await this.runTools(outcome.toolCalls, signal);
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

  /** Runs the model's tool calls, recording calls and results in the history; an ending tool ends the turn. */
  private async runTools(calls: LlmToolCall[], signal: AbortSignal): Promise<Ending | null> {
    this.history.addToolCalls(calls);
    let ending: Ending | null = null;
    for (const toolCall of calls) {
      const kind = this.tools.kindOf(toolCall.name);
      let result: string | null;
      if (!kind) {
        result = JSON.stringify({ error: `there is no tool named ${toolCall.name}` });
      } else {
        const schema = kind.kind === 'webhook' ? kind.tool.parameters : (this.tools.definitions.find((d) => d.name === toolCall.name)?.parameters ?? {});
        const args = parseToolArguments(toolCall.arguments, schema);
        this.call.log.info({ tool: toolCall.name, valid: args.ok, pii: { arguments: toolCall.arguments } }, 'tool call');
        if (!args.ok) result = JSON.stringify({ error: args.error });
        else if (ending) result = JSON.stringify({ error: 'the call is already ending' });
        else if (kind.kind === 'end-call') {
          ending = { kind: 'hangup', reason: stringArg(args.value.reason) };
          result = JSON.stringify({ ok: true, note: 'the call ends after your goodbye' });
        } else if (kind.kind === 'transfer') {
          ending = { kind: 'transfer', to: kind.to, reason: stringArg(args.value.reason) };
          result = JSON.stringify({ ok: true, note: 'the caller is transferred after your words' });
        } else {
          result = await callWebhook(kind.tool, args.value, signal, this.call.log);
        }
      }
      if (result === null || signal.aborted) return null;
      this.history.addToolResult(toolCall.id, result);
    }
    return ending;
  }

  /** Says a fixed phrase (greeting, idle prompt) in `turn`. */
  private speakFixed(turn: number, text: string): void {
    this.lastAgentTurn = Math.max(this.lastAgentTurn, turn);
    this.publishSegment(turn, text);
    this.finishTurn(turn, null, null);
  }

  private reprompt(): void {
    if (this.closing || this.current) return;
    const phrase = this.agent.phrases.idlePrompt.trim();
    if (!phrase) return;
    this.call.log.info('caller idle: re-prompting');
    const turn = this.initiativeTurn();
    this.lastAgentTurn = Math.max(this.lastAgentTurn, turn);
    this.publishSegment(turn, phrase);
    this.publishDone(turn, null, null);
  }

  /** Ends the call from the agent's side (idle caller, maximum duration): goodbye, then hang up after it. */
  /** Ends the call from a timer, where nobody awaits: a failure is logged, never an unhandled rejection. */
  private endFromTimer(ending: Ending): void {
    this.end(ending).catch((err: unknown) => this.call.log.warn({ err, reason: ending.reason }, 'could not end the call'));
  }

  private async end(ending: Ending): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.idle.stop();
    clearTimeout(this.maxCallTimer);
    await this.abortCurrent();
    if (this.call.signal.aborted) return;
    this.call.log.info({ reason: ending.reason }, 'agent ends the call');
    const turn = this.initiativeTurn();
    this.lastAgentTurn = Math.max(this.lastAgentTurn, turn);
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
      this.idle.replied(turn, count > 0 ? count - 1 : null);
    }
  }

  private publishDone(turn: number, firstTokenMs: number | null, usage: ReplyOutcome['usage']): void {
    if (this.call.signal.aborted) return;
    const segments = this.turnSegments.get(turn) ?? [];
    const text = segments.join(' ');
    this.call.log.info({ turn, segments: segments.length, firstTokenMs, pii: { text } }, 'reply');
    this.call.publish('reply', { type: 'reply.done', turn, segments: segments.length, text, providerFirstTokenMs: firstTokenMs, usage });
  }
}

function addUsage(a: ReplyOutcome['usage'], b: ReplyOutcome['usage']): ReplyOutcome['usage'] {
  if (!a || !b) return a ?? b;
  return { promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens };
}

function stringArg(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 200) : '';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
