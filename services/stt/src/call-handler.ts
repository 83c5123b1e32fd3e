import { AudioHeader, subjects } from '@audexly/protocol';
import { msForBytes } from '@audexly/audio';
import { observePublishes, type CallPort, type CallPortHandler } from '@audexly/stage';
import { tracingEnabled } from '@audexly/telemetry';
import { orderedAudio } from './ordered-audio.js';
import { SpeechSegmenter } from './speech-segmenter.js';
import type { SttChoice } from './stt-provider.js';
import { createSttMetrics, type SttMetrics } from './stt-metrics.js';
import { Transcriber } from './transcriber.js';
import {
  endOfTurnSilenceMs,
  RuleCompleteness,
  type Completeness,
  type CompletenessJudge,
} from './turn-completeness.js';
import { UtteranceSpans } from './utterance-spans.js';
import { createVad, type VadChoice } from './vad-choice.js';

export interface SttHandlerOptions {
  stt: SttChoice;
  preRollMs: number;
  vad: VadChoice;
  /** Word counters (a registry-less set when omitted, e.g. in tests). */
  metrics?: SttMetrics;
  /** Judges whether the transcript so far is finished (agents with `turn.completeness.enabled`); default the rules. */
  completeness?: CompletenessJudge;
}

/**
 * Per call: caller audio → VAD and turn detection → `speech.started` / `speech.stopped`, and the
 * utterance's audio through the STT session → `speech.final`. Utterances are numbered from 1.
 */
export function createSttHandler(options: SttHandlerOptions): CallPortHandler {
  const metrics = options.metrics ?? createSttMetrics();
  return async (port) => {
    // With tracing on, each utterance is an `stt.utterance` span derived from what is published.
    const spans = tracingEnabled() ? new UtteranceSpans(port.call) : null;
    const call = spans ? observePublishes(port, (event) => spans.event(event)) : port;
    const { agent, sampleRate } = call.call;
    // In order, each frame once; frames lost in flight (a NATS server lost mid-call) asked for again.
    const audio = orderedAudio(call.audio(subjects.audioIn(call.callId)), {
      msOf: (message) => msForBytes(message.data.byteLength, sampleRate),
      onGap: (fromSeq, toSeq) => {
        call.log.info({ fromSeq, toSeq }, 'caller audio frames missing: asked for them again');
        call.publish('control', { type: 'control.audio-resend', fromSeq, toSeq });
      },
      onMissing: (count) => {
        metrics.missingFrames.inc(count);
        call.log.warn({ missing: count }, 'caller audio frames missing');
      },
      onRepeat: () => metrics.repeatedFrames.inc(),
    });
    const transcriber = new Transcriber(call, options.stt, metrics);
    const vad = await createVad(options.vad, sampleRate, call.log);
    const { completeness } = agent.turn;
    const judge = completeness.enabled ? (options.completeness ?? new RuleCompleteness()) : null;
    const bounds = {
      defaultMs: agent.turn.endOfTurnSilenceMs,
      minMs: completeness.minSilenceMs,
      maxMs: completeness.maxSilenceMs,
    };
    const { speculate } = agent.turn;
    const turn = judge || speculate ? { ...agent.turn, probeSilenceMs: completeness.probeSilenceMs } : agent.turn;
    const segmenter = new SpeechSegmenter({ sampleRate, turn, preRollMs: options.preRollMs, vad });
    // After a failover, utterances continue from the last one the previous instance announced.
    let utterance = call.reclaimed ? await lastUtterance(call) : 0;
    let speechStartMs = 0;
    let nextTimelineMs: number | null = null;
    /** The pause the caller is silent in (null once they speak on or the turn ends), and whether its transcript went out as `speech.tentative`. */
    let openProbe: number | null = null;
    let tentativeOut = false;
    try {
      await transcriber.warmUp();
      for await (const message of audio) {
        const pcm = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
        if (pcm.byteLength === 0) continue;
        // Timestamps come from the audio headers, so they are exact; wall clock only if one is missing.
        const timelineMs = message.num(AudioHeader.timelineMs, nextTimelineMs ?? call.timelineMs());
        nextTimelineMs = timelineMs + msForBytes(pcm.byteLength, sampleRate);
        for (const action of await segmenter.push(pcm, timelineMs)) {
          if (action.type === 'start') {
            utterance++;
            speechStartMs = action.speechStartMs;
            call.publish('speech', { type: 'speech.started', utterance, speechStartMs });
            await transcriber.begin(utterance);
            transcriber.push(action.audio);
          } else if (action.type === 'audio') {
            transcriber.push(action.pcm);
          } else if (action.type === 'pause') {
            // Completeness-aware end of turn: the transcript so far sets how long this silence must last.
            // Speculation: it goes out as `speech.tentative`, unless the caller spoke on meanwhile.
            const { probe } = action;
            const pausedIn = utterance;
            openProbe = probe;
            transcriber.probe(utterance, (text) => {
              let verdict: Completeness | null = null;
              if (judge) {
                verdict = judge.judge(text);
                const ms = endOfTurnSilenceMs(verdict, bounds);
                call.log.debug({ utterance: pausedIn, verdict, endOfTurnSilenceMs: ms }, 'end of turn judged');
                segmenter.setEndOfTurnSilence(probe, ms);
              }
              // A visibly unfinished sentence is not worth a model request: the caller goes on.
              if (speculate && openProbe === probe && text.trim() !== '' && verdict !== 'unfinished') {
                call.publish('speech', { type: 'speech.tentative', utterance: pausedIn, text });
                tentativeOut = true;
              }
            });
          } else if (action.type === 'resume') {
            openProbe = null;
            transcriber.resumed();
            if (tentativeOut) call.publish('speech', { type: 'speech.resumed', utterance });
            tentativeOut = false;
          } else {
            openProbe = null;
            tentativeOut = false;
            call.publish('speech', { type: 'speech.stopped', utterance, speechEndMs: action.speechEndMs });
            transcriber.end({ utterance, speechStartMs, speechEndMs: action.speechEndMs }, action.afterProbe === true);
          }
        }
      }
    } finally {
      vad.close?.();
      if (vad.windows) {
        metrics.vadWindows.inc({ verdict: 'modelled' }, vad.windows.modelled);
        metrics.vadWindows.inc({ verdict: 'gated' }, vad.windows.gated);
      }
      await transcriber.close();
      spans?.end();
    }
  };
}

/** The highest utterance number in the call's event log (0 when none, or the log cannot be read). */
async function lastUtterance(call: CallPort): Promise<number> {
  try {
    const events = await call.readEvents();
    const numbers = events.flatMap((e) =>
      e.type === 'speech.started' || e.type === 'speech.stopped' || e.type === 'speech.final' ? [e.utterance] : [],
    );
    const last = Math.max(0, ...numbers);
    call.log.info({ lastUtterance: last }, 're-claimed: utterance numbering continues from the event log');
    return last;
  } catch (err) {
    call.log.warn({ err }, 'could not read the event log; utterance numbering restarts');
    return 0;
  }
}
