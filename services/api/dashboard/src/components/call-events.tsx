import { useState } from 'preact/hooks';
import { clock } from '../format.js';
import type { CallEvent } from '@audexly/protocol/api';
import { Badge, Empty } from './ui.js';

const SHOWN = 150;

/** What an event says, in a few words (texts are PII, shown as the operator would see them anyway). */
function summary(e: CallEvent): string {
  const str = (key: string) => (typeof e[key] === 'string' ? e[key] : '');
  const num = (key: string) => (typeof e[key] === 'number' ? e[key] : null);
  switch (e.type) {
    case 'call.started':
      return 'The gateway accepted the call';
    case 'call.ended':
      return `${str('reason')}${str('detail') ? ` (${str('detail')})` : ''}`;
    case 'speech.started':
      return `Caller started speaking (utterance ${num('utterance') ?? '?'})`;
    case 'speech.stopped':
      return `Caller stopped speaking (utterance ${num('utterance') ?? '?'})`;
    case 'speech.final':
      return `“${str('text')}”`;
    case 'reply.segment':
      return `“${str('text')}”`;
    case 'reply.prepare':
      return `Synthesised ahead, heard only if the turn says it: “${str('text')}”`;
    case 'reply.done':
      return `Turn ${num('turn') ?? '?'}: ${num('segments') ?? 0} segment(s)`;
    case 'playback.started':
      return `Turn ${num('turn') ?? '?'} audio started`;
    case 'playback.segment-played':
      return `Turn ${num('turn') ?? '?'} segment ${num('segment') ?? '?'} played (${num('audioMs') ?? 0} ms)`;
    case 'playback.interrupted':
      return `Turn ${num('turn') ?? '?'} interrupted by the caller`;
    case 'error':
      return `${str('stage')} ${str('code')}: ${str('message')}`;
    default: {
      const rest = Object.entries(e).filter(([k]) => !['type', 'v', 'callId', 'timelineMs'].includes(k));
      return rest
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ')
        .slice(0, 200);
    }
  }
}

function tone(type: string): 'red' | 'blue' | 'green' | 'amber' | 'gray' {
  if (type === 'error') return 'red';
  if (type.startsWith('speech')) return 'blue';
  if (type.startsWith('reply')) return 'green';
  if (type.startsWith('playback')) return 'amber';
  return 'gray';
}

/** The call's event log, in order; a click on a row plays the recording from there. */
export function CallEvents(props: { events: CallEvent[]; onSeek: ((ms: number) => void) | undefined }) {
  const [all, setAll] = useState(false);
  if (props.events.length === 0)
    return <Empty title="No events">The event log keeps a call's events for a limited time.</Empty>;
  const shown = all ? props.events : props.events.slice(0, SHOWN);
  return (
    <>
      <table class={props.onSeek ? 'table events clickable' : 'table events'}>
        <thead>
          <tr>
            <th class="num">At</th>
            <th>Event</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e, i) => (
            <tr key={i} onClick={props.onSeek ? () => props.onSeek?.(e.timelineMs) : undefined}>
              <td class="num mono">{clock(e.timelineMs)}</td>
              <td>
                <Badge tone={tone(e.type)}>{e.type}</Badge>
              </td>
              <td class="event-detail">{summary(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!all && props.events.length > SHOWN && (
        <div class="pager">
          <button class="btn small" type="button" onClick={() => setAll(true)}>
            Show all {props.events.length} events
          </button>
        </div>
      )}
    </>
  );
}
