import { useState } from 'preact/hooks';
import { problemAt, type FieldProblem } from '../../../src/fields/field-problem.js';
import { NUMBER_LABELS } from '../../../src/fields/labels.js';
import { PHONE_MAX_CHARS, checkPhone } from '../../../src/fields/phone.js';
import { api, listOf } from '../api.js';
import {
  Card,
  Empty,
  ErrorBox,
  Field,
  Loading,
  Notice,
  PageHeader,
  errorMessage,
  problemsOf,
} from '../components/ui.js';
import { phone, whenShort } from '../format.js';
import { href } from '../router.js';
import type { AgentConfig, NumberRoute, TelephonyView } from '@audexly/protocol/api';
import { useApi } from '../use-api.js';

/** Which agent answers each number; calls to a number nobody mapped are refused. */
export function NumbersPage() {
  const numbers = useApi<unknown>('/api/v1/numbers');
  const agents = useApi<unknown>('/api/v1/agents');
  const configs = useApi<unknown>('/api/v1/telephony-configs');
  const routes = listOf<NumberRoute>(numbers.data, 'numbers');
  const agentList = listOf<AgentConfig>(agents.data, 'agents');
  const configList = listOf<TelephonyView>(configs.data, 'telephonyConfigs', 'configs');
  const [error, setError] = useState<string | null>(null);

  const agentName = (id: string) => agentList.find((a) => a.id === id)?.name;
  const repoint = async (route: NumberRoute, patch: Partial<NumberRoute>) => {
    setError(null);
    try {
      await api.put(`/api/v1/numbers/${encodeURIComponent(route.number)}`, {
        agentId: patch.agentId ?? route.agentId,
        telephonyConfigId: patch.telephonyConfigId === undefined ? route.telephonyConfigId : patch.telephonyConfigId,
      });
      numbers.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const remove = async (route: NumberRoute) => {
    if (!confirm(`Stop answering ${route.number}?`)) return;
    setError(null);
    try {
      await api.delete(`/api/v1/numbers/${encodeURIComponent(route.number)}`);
      numbers.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader title="Numbers" subtitle="Point each ExoPhone at the agent that answers it." />
      {error && <Notice tone="error">{error}</Notice>}
      <AddNumber agents={agentList} configs={configList} onAdded={numbers.reload} />
      <Card title="Routed numbers" flush>
        {numbers.error ? (
          <ErrorBox error={numbers.error} retry={numbers.reload} />
        ) : !numbers.data ? (
          <Loading label="Loading numbers…" />
        ) : routes.length === 0 ? (
          <Empty title="No numbers yet">Add your ExoPhone above so calls to it reach an agent.</Empty>
        ) : (
          <table class="table" data-testid="numbers">
            <thead>
              <tr>
                <th>Number</th>
                <th>Agent</th>
                <th>Telephony account</th>
                <th>Added</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {routes.map((route) => (
                <tr key={route.number}>
                  <td class="mono strong">{phone(route.number)}</td>
                  <td>
                    <select
                      class="input compact"
                      aria-label={`Agent for ${route.number}`}
                      value={route.agentId}
                      onChange={(e) => void repoint(route, { agentId: e.currentTarget.value })}
                    >
                      {!agentName(route.agentId) && <option value={route.agentId}>{route.agentId} (missing)</option>}
                      {agentList.map((a) => (
                        <option key={a.id} value={a.id}>
                          {a.name}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select
                      class="input compact"
                      aria-label={`Telephony account for ${route.number}`}
                      value={route.telephonyConfigId ?? ''}
                      onChange={(e) =>
                        void repoint(route, {
                          telephonyConfigId: e.currentTarget.value === '' ? null : e.currentTarget.value,
                        })
                      }
                    >
                      <option value="">Default</option>
                      {route.telephonyConfigId !== null &&
                        !configList.some((c) => c.id === route.telephonyConfigId) && (
                          <option value={route.telephonyConfigId}>{route.telephonyConfigId} (missing)</option>
                        )}
                      {configList.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.name}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td class="muted small nowrap">{whenShort(route.createdAt)}</td>
                  <td class="actions">
                    <button class="btn small danger ghost" type="button" onClick={() => void remove(route)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function AddNumber(props: { agents: AgentConfig[]; configs: TelephonyView[]; onAdded: () => void }) {
  const [number, setNumber] = useState('');
  const [agentId, setAgentId] = useState('');
  const [configId, setConfigId] = useState('');
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const chosenAgent = agentId || props.agents[0]?.id || '';

  const add = async (event: Event) => {
    event.preventDefault();
    const phone = checkPhone(number, 'number', NUMBER_LABELS.number);
    setProblems(phone.ok ? [] : [phone.problem]);
    if (!phone.ok) return;
    setBusy(true);
    try {
      await api.post('/api/v1/numbers', {
        number,
        agentId: chosenAgent,
        telephonyConfigId: configId === '' ? null : configId,
      });
      setNumber('');
      props.onAdded();
    } catch (err) {
      setProblems(problemsOf(err));
    } finally {
      setBusy(false);
    }
  };
  const placed = new Set(['number', 'agentId', 'telephonyConfigId']);
  const elsewhere = problems.filter((p) => !placed.has(p.path));

  if (props.agents.length === 0) {
    return (
      <Card title="Add a number">
        <Empty
          title="Create an agent first"
          action={
            <a class="btn primary" href={href('agents', 'new')}>
              New agent
            </a>
          }
        >
          A number needs an agent to answer it.
        </Empty>
      </Card>
    );
  }
  return (
    <Card title="Add a number">
      <form class="inline-form" onSubmit={(e) => void add(e)}>
        <Field
          label={NUMBER_LABELS.number}
          hint="Any format: +91…, 0-prefixed or plain digits."
          error={problemAt(problems, 'number')}
        >
          <input
            class="input mono"
            type="tel"
            name="number"
            required
            maxLength={PHONE_MAX_CHARS}
            placeholder="+91 80 4749 1899"
            value={number}
            onInput={(e) => setNumber(e.currentTarget.value)}
          />
        </Field>
        <Field
          label={NUMBER_LABELS.agentId}
          hint="The agent that answers calls to it."
          error={problemAt(problems, 'agentId')}
        >
          <select class="input" name="agentId" value={chosenAgent} onChange={(e) => setAgentId(e.currentTarget.value)}>
            {props.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={NUMBER_LABELS.telephonyConfigId} error={problemAt(problems, 'telephonyConfigId')}>
          <select
            class="input"
            name="telephonyConfigId"
            value={configId}
            onChange={(e) => setConfigId(e.currentTarget.value)}
          >
            <option value="">Default</option>
            {props.configs.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <button class="btn primary" type="submit" disabled={busy || number.trim() === ''}>
          {busy ? 'Adding…' : 'Add number'}
        </button>
      </form>
      {elsewhere.map((p) => (
        <p key={p.message} class="form-error">
          {p.message}
        </p>
      ))}
    </Card>
  );
}
