/**
 * STT's part of the call's trace, derived from what it publishes: one `stt.utterance` span per
 * caller utterance (speech detected → final transcript or noise), beneath the `turn` span of the
 * agent turn that answers it (turn n answers utterance n), and within it the provider's share as a
 * CLIENT span (`sarvam stt`, its measured provider time ending at the transcript). Only when
 * tracing is on; nothing per audio frame.
 */
import type { AnyEvent, CallDescriptor } from '@audexly/protocol';
import { SpanKind, startCallStageSpan, startChildSpan, type CallSpanAttributes, type Span } from '@audexly/telemetry';

export class UtteranceSpans {
  private readonly open = new Map<number, { span: Span; stoppedAt?: number }>();
  private readonly attributes: CallSpanAttributes;

  constructor(private readonly call: CallDescriptor) {
    this.attributes = {
      agentId: call.agent.id,
      language: call.agent.stt.language,
      'audexly.stt.model': call.agent.stt.model,
    };
  }

  /** An event the STT stage published for the call. */
  event(event: AnyEvent): void {
    const at = this.call.startedAt + event.timelineMs;
    switch (event.type) {
      case 'speech.started':
        this.open.set(event.utterance, {
          span: startCallStageSpan('stt.utterance', this.call.callId, event.utterance, this.attributes, {
            startTime: this.call.startedAt + event.speechStartMs,
          }),
        });
        return;
      case 'speech.stopped': {
        const open = this.open.get(event.utterance);
        if (open) open.stoppedAt = at;
        return;
      }
      case 'speech.final':
        this.provider(event.utterance, at, event.providerMs);
        this.close(event.utterance, at, {
          'audexly.stt.provider_ms': event.providerMs,
          'audexly.stt.audio_seconds': event.audioSeconds,
          'audexly.stt.outcome': event.backchannel ? 'backchannel' : 'transcript',
          ...(event.language ? { 'audexly.stt.detected_language': event.language } : {}),
          'audexly.speech_ms': Math.round(event.speechEndMs - event.speechStartMs),
        });
        return;
      case 'speech.noise':
        this.close(event.utterance, at, { 'audexly.stt.outcome': 'noise' });
        return;
      case 'error':
        if (event.turn !== null) this.open.get(event.turn)?.span.setAttribute('audexly.error_code', event.code);
        return;
      default:
        return;
    }
  }

  /** The call is over for this instance: utterances still open end now. */
  end(): void {
    for (const [utterance] of this.open) this.close(utterance, Date.now(), { 'audexly.stt.outcome': 'unfinished' });
  }

  private close(utterance: number, at: number, attributes: Record<string, string | number>): void {
    const open = this.open.get(utterance);
    if (!open) return;
    this.open.delete(utterance);
    open.span.setAttributes(attributes);
    if (open.stoppedAt !== undefined)
      open.span.setAttribute('audexly.stt.final_after_speech_ms', Math.max(0, Math.round(at - open.stoppedAt)));
    open.span.end(at);
  }

  /** The provider's share of the utterance (the SDK's socket carries no per-request span of its own). */
  private provider(utterance: number, at: number, providerMs: number): void {
    const open = this.open.get(utterance);
    if (!open) return;
    const span = startChildSpan(open.span, 'sarvam stt', {
      kind: SpanKind.CLIENT,
      startTime: at - providerMs,
      attributes: {
        'audexly.call_id': this.call.callId,
        'audexly.turn': utterance,
        'server.address': 'api.sarvam.ai',
        'audexly.stt.provider_ms': providerMs,
      },
    });
    span.end(at);
  }
}
