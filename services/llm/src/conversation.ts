import { ErrorCode, type SpeechFinal } from '@audexly/protocol';
import type { StageCall } from '@audexly/stage';
import { ConversationHistory } from './history.js';
import type { LlmChoice } from './llm-provider.js';
import { buildSystemPrompt } from './prompt.js';
import { SentenceSplitter } from './sentence-splitter.js';
import { streamReply, type ReplyOutcome, type ReplySettings } from './turn-runner.js';

/** Spoken when the model fails, so the caller is never left in silence. */
export const APOLOGY = "Sorry, I'm having trouble right now. Could you say that again?";

/**
 * One call's dialogue: the greeting as turn 0, then one streamed reply per final transcript.
 * A newer transcript (or an interrupt) aborts the turn being streamed; what it said so far stays
 * in the history.
 */
export class Conversation {
  readonly history: ConversationHistory;
  private current: { turn: number; controller: AbortController; done: Promise<void> } | null = null;
  private greeted = false;

  constructor(
    private readonly call: StageCall,
    private readonly llm: LlmChoice,
    private readonly settings: Omit<ReplySettings, 'model' | 'temperature' | 'maxTokens'>,
    now = new Date(),
  ) {
    const system = buildSystemPrompt(call.call, now);
    call.log.debug({ pii: { prompt: system } }, 'system prompt');
    this.history = new ConversationHistory(system);
    const greeting = call.call.agent.greeting.trim();
    if (greeting) this.history.addAssistant(0, this.split(greeting));
  }

  /** `call.started`: speak the greeting as turn 0 (no model call). */
  greet(): void {
    if (this.greeted) return;
    this.greeted = true;
    const segments = this.split(this.call.call.agent.greeting.trim());
    segments.forEach((text, segment) => this.call.publish('reply', { type: 'reply.segment', turn: 0, segment, text }));
    this.call.publish('reply', { type: 'reply.done', turn: 0, segments: segments.length, text: segments.join(' '), providerFirstTokenMs: null, usage: null });
  }

  /** A final transcript: abort the turn in flight, then answer this one as turn `utterance`. */
  async answer(final: SpeechFinal): Promise<void> {
    await this.abortCurrent();
    this.history.addUser(final.text);
    const controller = new AbortController();
    const turn = final.utterance;
    const done = this.runTurn(turn, AbortSignal.any([this.call.signal, controller.signal]));
    this.current = { turn, controller, done };
  }

  /** `control.interrupt`: stop generating the turn (its segments so far stay in the history). */
  interrupt(turn: number): void {
    if (this.current?.turn === turn) this.current.controller.abort();
  }

  /** `playback.interrupted`: keep only the segments the caller heard. */
  heard(turn: number, heardSegments: number[]): void {
    this.history.keepHeard(turn, heardSegments);
  }

  async close(): Promise<void> {
    await this.abortCurrent();
  }

  private async abortCurrent(): Promise<void> {
    const current = this.current;
    this.current = null;
    current?.controller.abort();
    await current?.done;
  }

  private async runTurn(turn: number, signal: AbortSignal): Promise<void> {
    const { call } = this;
    const publishSegment = (text: string, segment: number) => call.publish('reply', { type: 'reply.segment', turn, segment, text });
    let outcome: ReplyOutcome;
    if (this.llm.provider === null) {
      outcome = { status: 'failed', segments: [], firstTokenMs: null, usage: null };
      call.error(ErrorCode.llmUpstream, this.llm.reason, { retryable: false, turn });
    } else {
      const { llm } = call.call.agent;
      outcome = await streamReply(this.llm.provider, this.history.messages(), { ...this.settings, model: llm.model, temperature: llm.temperature, maxTokens: llm.maxTokens }, signal, publishSegment);
      if (outcome.status === 'failed' && outcome.error) {
        call.error(outcome.error.code, `language model failed: ${outcome.error.message}`, { retryable: outcome.error.retryable, turn, err: outcome.error });
      }
    }
    const segments = [...outcome.segments];
    if (outcome.status === 'failed' && !signal.aborted) {
      publishSegment(APOLOGY, segments.length);
      segments.push(APOLOGY);
    }
    this.history.addAssistant(turn, segments);
    if (call.signal.aborted) return;
    const text = segments.join(' ');
    call.log.info({ turn, status: outcome.status, segments: segments.length, firstTokenMs: outcome.firstTokenMs, pii: { text } }, 'reply');
    call.publish('reply', { type: 'reply.done', turn, segments: segments.length, text, providerFirstTokenMs: outcome.firstTokenMs, usage: outcome.usage });
  }

  private split(text: string): string[] {
    if (!text) return [];
    const splitter = new SentenceSplitter({ minChars: this.settings.minSegmentChars });
    return [...splitter.push(text), ...splitter.flush()];
  }
}
