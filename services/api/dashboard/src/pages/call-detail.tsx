import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, listOf } from '../api.js';
import { LatencyChart } from '../components/latency-chart.js';
import { RecordingPlayer } from '../components/recording-player.js';
import { Transcript } from '../components/transcript.js';
import { CallEvents } from '../components/call-events.js';
import { Badge, Card, Empty, ErrorBox, Loading, Notice, PageHeader, errorMessage } from '../components/ui.js';
import { clock, duration, endReason, phone, when } from '../format.js';
import { href, navigate } from '../router.js';
import type { CallDetail, CallEvent, CallTrace } from '@audexly/protocol/api';
import { useApi } from '../use-api.js';

/** One call: what was said, what it sounded like, how fast each turn was, and what went wrong. */
export function CallDetailPage(props: { callId: string }) {
  const path = `/api/v1/calls/${encodeURIComponent(props.callId)}`;
  const record = useApi<CallDetail>(path);
  const events = useApi<unknown>(`${path}/events`);
  const trace = useApi<CallTrace>(`${path}/trace`);
  const [positionMs, setPositionMs] = useState<number | null>(null);
  const [seekTo, setSeekTo] = useState<{ ms: number } | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const back = { href: href('calls'), label: 'Calls' };
  if (record.error) {
    return (
      <>
        <PageHeader title="Call" back={back} />
        <ErrorBox error={record.error} retry={record.reload} />
      </>
    );
  }
  const call = record.data;
  if (!call) {
    return (
      <>
        <PageHeader title="Call" back={back} />
        <Loading label="Loading the call…" />
      </>
    );
  }

  const erase = async () => {
    if (!confirm('Delete this call, its transcript and its recording for good?')) return;
    try {
      await api.delete(path);
      navigate('calls');
    } catch (err) {
      setDeleteError(errorMessage(err));
    }
  };
  const seek = (ms: number) => setSeekTo({ ms });

  return (
    <>
      <PageHeader
        title={`${call.direction === 'outbound' ? 'Call to' : 'Call from'} ${phone(call.direction === 'outbound' ? call.to : call.from)}`}
        back={back}
        subtitle={
          <>
            <Badge tone={call.status === 'completed' ? 'green' : 'red'}>
              {call.status === 'completed' ? 'Completed' : 'Failed'}
            </Badge>
            <span>{when(call.startedAt)}</span>
            <span class="dot-sep">·</span>
            <span>{duration(call.durationMs)}</span>
            <span class="dot-sep">·</span>
            <span>{endReason(call.endReason)}</span>
          </>
        }
        actions={
          <button class="btn danger" type="button" onClick={() => void erase()}>
            Delete call
          </button>
        }
      />
      {deleteError && <Notice tone="error">{deleteError}</Notice>}
      <dl class="meta-grid">
        <Meta label="Agent">
          {call.agent.name ? <a href={href('agents', call.agent.id)}>{call.agent.name}</a> : '—'}
        </Meta>
        <Meta label="From">{phone(call.from)}</Meta>
        <Meta label="To">{phone(call.to)}</Meta>
        <Meta label="Direction">{call.direction === 'outbound' ? 'Outbound' : 'Inbound'}</Meta>
        <Meta label="Audio">{`${call.sampleRate / 1000} kHz`}</Meta>
        <Meta label="Usage">
          {`${call.usage.sttSeconds.toFixed(1)} s STT · ${(call.usage.llmPromptTokens + call.usage.llmCompletionTokens).toLocaleString()} tokens · ${call.usage.ttsCharacters.toLocaleString()} TTS chars`}
        </Meta>
        <Meta label="Call SID">
          <span class="mono small">{call.callSid || '—'}</span>
        </Meta>
        {trace.data && (
          <Meta label="Trace">
            {trace.data.url ? (
              <a href={trace.data.url} target="_blank" rel="noreferrer" data-testid="trace-link">
                Open in Jaeger
              </a>
            ) : (
              <span class="mono small" title="Set JAEGER_UI_URL on the api to link it">
                {trace.data.traceId}
              </span>
            )}
          </Meta>
        )}
        {call.endDetail && <Meta label="End detail">{call.endDetail}</Meta>}
        {call.outbound && (
          <Meta label="Outbound">{`${call.outbound.status} · ${call.outbound.mode} · from ${phone(call.outbound.callerId)}`}</Meta>
        )}
        {call.exotel && Object.keys(call.exotel).length > 0 && (
          <Meta label="Exotel outcome">
            <span class="small">
              {Object.entries(call.exotel)
                .filter(([, v]) => v !== null && typeof v !== 'object')
                .map(([k, v]) => `${k}: ${String(v as string | number | boolean)}`)
                .join(' · ')}
            </span>
          </Meta>
        )}
      </dl>

      <div class="detail-grid">
        <div class="detail-main">
          <Card title="Conversation" testId="conversation">
            {call.recording ? (
              <RecordingPlayer callId={call.callId} call={call} seekTo={seekTo} onPosition={setPositionMs} />
            ) : (
              <Notice tone="error">No recording was stored for this call.</Notice>
            )}
            {call.transcript.length === 0 ? (
              <Empty title="Nothing was said">The call ended before anyone spoke.</Empty>
            ) : (
              <Transcript lines={call.transcript} positionMs={positionMs} onSeek={call.recording ? seek : undefined} />
            )}
          </Card>
        </div>
        <div class="detail-side">
          <Card title="Latency per turn" testId="latency">
            <LatencyChart
              turns={call.turns}
              traceLinks={new Map((trace.data?.turns ?? []).flatMap((t) => (t.url ? [[t.turn, t.url]] : [])))}
            />
          </Card>
          <Card title={`Errors${call.errors.length ? ` (${call.errors.length})` : ''}`} testId="errors">
            {call.errors.length === 0 ? (
              <div class="state compact muted">No errors in this call.</div>
            ) : (
              <ul class="error-list">
                {call.errors.map((e, i) => (
                  <li key={i}>
                    <div>
                      <Badge tone="red">{e.stage}</Badge> <span class="mono small">{e.code}</span>
                      <span class="muted small right">
                        {e.turn === null ? '' : `turn ${e.turn} · `}
                        {clock(e.timelineMs)}
                      </span>
                    </div>
                    <p>{e.message}</p>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
      <Card title="Events" flush testId="events">
        {events.error ? (
          <ErrorBox error={events.error} retry={events.reload} />
        ) : !events.data ? (
          <Loading label="Reading the event log…" />
        ) : (
          <CallEvents events={listOf<CallEvent>(events.data, 'events')} onSeek={call.recording ? seek : undefined} />
        )}
      </Card>
    </>
  );
}

function Meta(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="meta">
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}
