import { useEffect, useState } from 'preact/hooks';
import { listOf } from '../api.js';
import { Badge, Card, Empty, ErrorBox, Loading, PageHeader } from '../components/ui.js';
import { clock, count, duration, endReason, phone, time, whenShort } from '../format.js';
import { href, navigate } from '../router.js';
import type { AgentConfig, CallPage, CallSummary, LiveCall } from '@audexly/protocol/api';
import { useApi } from '../use-api.js';

const PAGE_SIZE = 25;
const LIVE_REFRESH_MS = 3000;

/** The list's filters, as the api's query parameters name them. */
interface Filters {
  agentId: string;
  number: string;
  status: string;
  since: string;
  until: string;
}
const NO_FILTERS: Filters = { agentId: '', number: '', status: '', since: '', until: '' };

function callsPath(filters: Filters, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  if (filters.agentId) query.set('agentId', filters.agentId);
  if (filters.number.trim()) query.set('number', filters.number.trim());
  if (filters.status) query.set('status', filters.status);
  // Dates are whole days in the operator's time zone: from the start of `since` to the end of `until`.
  if (filters.since) query.set('since', new Date(`${filters.since}T00:00:00`).toISOString());
  if (filters.until) query.set('until', new Date(`${filters.until}T23:59:59.999`).toISOString());
  return `/api/v1/calls?${query.toString()}`;
}

export function CallsPage() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // Cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const calls = useApi<CallPage>(callsPath(filters, cursor), 15_000);
  const agents = useApi<unknown>('/api/v1/agents');
  const agentList = listOf<AgentConfig>(agents.data, 'agents');

  const apply = (next: Filters) => {
    setFilters(next);
    setCursors([null]);
  };
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const page = calls.data;
  const offset = (cursors.length - 1) * PAGE_SIZE;

  return (
    <>
      <PageHeader title="Calls" subtitle="Every call your agents answered or placed, newest first." />
      <LiveCalls />
      <Card title="Call history" flush actions={page && <span class="muted small">{count(page.total, 'call')}</span>}>
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            apply(draft);
          }}
        >
          <select
            class="input"
            aria-label="Agent"
            value={draft.agentId}
            onChange={(e) => setDraft({ ...draft, agentId: e.currentTarget.value })}
          >
            <option value="">All agents</option>
            {agentList.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <input
            class="input"
            type="search"
            aria-label="Number"
            placeholder="Phone number"
            value={draft.number}
            onInput={(e) => setDraft({ ...draft, number: e.currentTarget.value })}
          />
          <select
            class="input"
            aria-label="Status"
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}
          >
            <option value="">Any status</option>
            <option value="completed">Completed</option>
            <option value="failed">Failed</option>
          </select>
          <input
            class="input"
            type="date"
            aria-label="From date"
            title="From date"
            value={draft.since}
            onInput={(e) => setDraft({ ...draft, since: e.currentTarget.value })}
          />
          <span class="muted small">to</span>
          <input
            class="input"
            type="date"
            aria-label="To date"
            title="To date"
            value={draft.until}
            onInput={(e) => setDraft({ ...draft, until: e.currentTarget.value })}
          />
          <button class="btn primary" type="submit">
            Apply
          </button>
          {filtered && (
            <button
              class="btn ghost"
              type="button"
              onClick={() => {
                setDraft(NO_FILTERS);
                apply(NO_FILTERS);
              }}
            >
              Clear
            </button>
          )}
        </form>
        {calls.error ? (
          <ErrorBox error={calls.error} retry={calls.reload} />
        ) : !page ? (
          <Loading label="Loading calls…" />
        ) : page.calls.length === 0 ? (
          filtered ? (
            <Empty title="No calls match these filters">Try a wider date range or another agent.</Empty>
          ) : (
            <Empty title="No calls yet">
              Point a number at an agent and call it: the call shows up here once it ends.
            </Empty>
          )
        ) : (
          <>
            <CallTable calls={page.calls} />
            <div class="pager">
              <span class="muted small">
                {offset + 1}–{offset + page.calls.length} of {page.total.toLocaleString()}
              </span>
              <button
                class="btn small"
                type="button"
                disabled={cursors.length === 1}
                onClick={() => setCursors(cursors.slice(0, -1))}
              >
                ← Newer
              </button>
              <button
                class="btn small"
                type="button"
                disabled={!page.nextCursor}
                onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}
              >
                Older →
              </button>
            </div>
          </>
        )}
      </Card>
    </>
  );
}

function CallTable(props: { calls: CallSummary[] }) {
  return (
    <table class="table clickable">
      <thead>
        <tr>
          <th>Started</th>
          <th>From</th>
          <th>To</th>
          <th>Agent</th>
          <th class="num">Duration</th>
          <th class="num">Turns</th>
          <th>Ended</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {props.calls.map((call) => (
          <tr key={call.callId} onClick={() => navigate('calls', call.callId)}>
            <td class="nowrap">
              <a href={href('calls', call.callId)} class="row-link">
                {whenShort(call.startedAt)}
              </a>
            </td>
            <td class="mono">{phone(call.from)}</td>
            <td class="mono">{phone(call.to)}</td>
            <td>{call.agent.name || <span class="muted">—</span>}</td>
            <td class="num">{duration(call.durationMs)}</td>
            <td class="num">{call.turns}</td>
            <td class="nowrap">{endReason(call.endReason)}</td>
            <td class="nowrap">
              <Badge tone={call.status === 'completed' ? 'green' : 'red'}>
                {call.status === 'completed' ? 'Completed' : 'Failed'}
              </Badge>
              {call.hasRecording && (
                <span class="rec-dot" title="Has a recording" aria-label="Has a recording">
                  ●
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Calls in progress, refreshed every few seconds. */
function LiveCalls() {
  const live = useApi<unknown>('/api/v1/calls/live', LIVE_REFRESH_MS);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const calls = listOf<LiveCall>(live.data, 'calls');

  return (
    <Card
      class="live"
      testId="live-calls"
      title={
        <span class="live-title">
          <span class={calls.length > 0 ? 'pulse on' : 'pulse'} aria-hidden="true" />
          Live now
        </span>
      }
      actions={
        <span class="muted small">
          {live.data ? `${count(calls.length, 'call')} · refreshes every ${LIVE_REFRESH_MS / 1000} s` : ''}
        </span>
      }
      flush
    >
      {live.error && !live.data ? (
        <ErrorBox error={live.error} retry={live.reload} />
      ) : !live.data ? (
        <Loading label="Looking for calls in progress…" />
      ) : calls.length === 0 ? (
        <div class="state compact muted">No calls in progress.</div>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>Started</th>
              <th>From</th>
              <th>To</th>
              <th>Agent</th>
              <th>Direction</th>
              <th class="num">Elapsed</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((call) => {
              const started = Date.parse(call.startedAt);
              return (
                <tr key={call.callId}>
                  <td>{time(call.startedAt)}</td>
                  <td class="mono">{phone(call.from)}</td>
                  <td class="mono">{phone(call.to)}</td>
                  <td>{call.agent.name || '—'}</td>
                  <td>{call.direction === 'outbound' ? 'Outbound' : 'Inbound'}</td>
                  <td class="num mono">{clock(Number.isNaN(started) ? call.elapsedMs : now - started)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
