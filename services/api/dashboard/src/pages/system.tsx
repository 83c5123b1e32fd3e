import type { ComponentChildren } from 'preact';
import { Badge, Card, Empty, ErrorBox, Loading, PageHeader } from '../components/ui.js';
import { bytes } from '../format.js';
import type { StageInstance, SystemStatus } from '@audexly/protocol/api';
import { useApi } from '../use-api.js';

const REFRESH_MS = 2000;
const STAGES = ['stt', 'llm', 'tts', 'recorder'] as const;
const STAGE_NAMES: Record<string, string> = {
  stt: 'Speech to text',
  llm: 'Language model',
  tts: 'Text to speech',
  recorder: 'Recorder',
};

/** NATS and JetStream state and every stage instance's heartbeat, refreshed every 2 s. */
export function SystemPage() {
  const system = useApi<SystemStatus>('/api/v1/system', REFRESH_MS);
  const status = system.data;

  return (
    <>
      <PageHeader
        title="System health"
        subtitle={`The message bus and the stage instances that handle calls · refreshes every ${REFRESH_MS / 1000} s`}
      />
      {system.error && !status ? (
        <ErrorBox error={system.error} retry={system.reload} />
      ) : !status ? (
        <Loading label="Asking the platform…" />
      ) : (
        <>
          <div class="stage-tiles" data-testid="stage-tiles">
            {STAGES.map((stage) => {
              const mine = status.instances.filter((i) => i.stage === stage);
              const active = mine.reduce((n, i) => n + i.activeCalls, 0);
              const capacity = mine.reduce((n, i) => n + i.maxCalls, 0);
              return (
                <div class={`tile ${mine.length === 0 ? 'down' : 'up'}`} key={stage}>
                  <span class="tile-label">{STAGE_NAMES[stage]}</span>
                  <span class="tile-value">
                    {mine.length === 0 ? 'No instance' : `${mine.length} instance${mine.length > 1 ? 's' : ''}`}
                  </span>
                  <span class="muted small">
                    {mine.length === 0 ? 'Calls cannot be answered' : `${active} of ${capacity} call slots busy`}
                  </span>
                </div>
              );
            })}
          </div>
          <div class="two-col">
            <Card
              title="NATS"
              actions={
                status.nats.connected ? <Badge tone="green">Connected</Badge> : <Badge tone="red">Disconnected</Badge>
              }
            >
              <dl class="kv">
                <Row label="Server">{status.nats.server ?? '—'}</Row>
                <Row label="Server name">{status.nats.serverName ?? '—'}</Row>
                <Row label="Version">{status.nats.version ?? '—'}</Row>
                <Row label="Round trip">
                  {status.nats.rttMs === null ? (
                    <Badge tone="red">No answer</Badge>
                  ) : (
                    `${status.nats.rttMs.toFixed(1)} ms`
                  )}
                </Row>
                <Row label="Calls in progress">{status.liveCalls}</Row>
              </dl>
            </Card>
            <Card
              title="JetStream"
              actions={status.eventLog ? <Badge tone="green">Available</Badge> : <Badge tone="red">Unavailable</Badge>}
            >
              <dl class="kv">
                <Row label="Event log">
                  {status.eventLog
                    ? `${status.eventLog.messages.toLocaleString()} events · ${bytes(status.eventLog.bytes)}`
                    : '—'}
                </Row>
                <Row label="Recordings">
                  {status.recordings.bytes === null
                    ? status.recordings.store
                    : `${bytes(status.recordings.bytes)} (${status.recordings.store})`}
                </Row>
                {status.buckets.map((b) => (
                  <Row
                    key={b.bucket}
                    label={`Bucket ${b.bucket}`}
                  >{`${b.values.toLocaleString()} ${b.values === 1 ? 'entry' : 'entries'} · ${bytes(b.bytes)}`}</Row>
                ))}
              </dl>
            </Card>
          </div>
          <Card title="Stage instances" flush testId="instances">
            <Instances instances={status.instances} />
          </Card>
        </>
      )}
    </>
  );
}

function Row(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="kv-row">
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

function Instances(props: { instances: StageInstance[] }) {
  if (props.instances.length === 0) {
    return (
      <Empty title="No stage instance is running">
        Start the stt, llm, tts and recorder services: each announces itself here within a second.
      </Empty>
    );
  }
  return (
    <table class="table">
      <thead>
        <tr>
          <th>Stage</th>
          <th>Instance</th>
          <th>Load</th>
          <th>State</th>
          <th class="num">Last heartbeat</th>
        </tr>
      </thead>
      <tbody>
        {props.instances.map((i) => (
          <tr key={`${i.stage}/${i.instanceId}`}>
            <td>
              <Badge tone="blue">{i.stage}</Badge>
            </td>
            <td class="mono small">{i.instanceId}</td>
            <td>
              <div class="load">
                <div class="load-bar">
                  <span
                    style={{ width: `${i.maxCalls > 0 ? Math.min(100, (i.activeCalls / i.maxCalls) * 100) : 0}%` }}
                  />
                </div>
                <span class="small">
                  {i.activeCalls} / {i.maxCalls}
                </span>
              </div>
            </td>
            <td>{i.accepting ? <Badge tone="green">Accepting</Badge> : <Badge tone="amber">Not accepting</Badge>}</td>
            <td class="num small muted">{`${Math.round(i.lastSeenMs)} ms ago`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
