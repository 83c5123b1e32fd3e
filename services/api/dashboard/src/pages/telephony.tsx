import { useState } from 'preact/hooks';
import { problemAt, type FieldProblem } from '../../../src/fields/field-problem.js';
import { TELEPHONY_LABELS } from '../../../src/fields/labels.js';
import { TELEPHONY_TEXT_LIMITS } from '../../../src/fields/limits.js';
import { PHONE_MAX_CHARS, checkPhone } from '../../../src/fields/phone.js';
import { api, listOf } from '../api.js';
import {
  Badge,
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
import { phone } from '../format.js';
import { whenShort } from '../format.js';
import type { TelephonyView } from '@audexly/protocol/api';
import { useApi } from '../use-api.js';

const REGIONS: [string, string][] = [
  ['api.exotel.com', 'Singapore — api.exotel.com'],
  ['api.in.exotel.com', 'Mumbai — api.in.exotel.com'],
];

interface Draft {
  name: string;
  accountSid: string;
  region: string;
  callerId: string;
  apiKey: string;
  apiToken: string;
}

/** Exotel accounts: the API key and token are write-only (encrypted at rest, never shown again). */
export function TelephonyPage() {
  const configs = useApi<unknown>('/api/v1/telephony-configs');
  const list = listOf<TelephonyView>(configs.data, 'telephonyConfigs', 'configs');
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const remove = async (config: TelephonyView) => {
    if (!confirm(`Delete the telephony account “${config.name}”?`)) return;
    setError(null);
    try {
      await api.delete(`/api/v1/telephony-configs/${encodeURIComponent(config.id)}`);
      configs.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader
        title="Telephony"
        subtitle="Exotel accounts for outbound calls and call control. Secrets are write-only."
        actions={
          editing === null && (
            <button class="btn primary" type="button" onClick={() => setEditing('new')}>
              Add Exotel account
            </button>
          )
        }
      />
      {error && <Notice tone="error">{error}</Notice>}
      {editing !== null && (
        <ConfigForm
          config={editing === 'new' ? null : (list.find((c) => c.id === editing) ?? null)}
          onDone={(changed) => {
            setEditing(null);
            if (changed) configs.reload();
          }}
        />
      )}
      <Card flush>
        {configs.error ? (
          <ErrorBox error={configs.error} retry={configs.reload} />
        ) : !configs.data ? (
          <Loading label="Loading telephony accounts…" />
        ) : list.length === 0 ? (
          <Empty title="No Exotel account yet">
            Add one with the API key, token and account SID from Exotel's dashboard (Settings → API).
          </Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Account SID</th>
                <th>Region</th>
                <th>Caller ID</th>
                <th>API key</th>
                <th>Token</th>
                <th>Updated</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id}>
                  <td class="strong">{c.name}</td>
                  <td class="mono small">{c.accountSid}</td>
                  <td class="small">{c.region}</td>
                  <td class="mono small">{c.callerId ? phone(c.callerId) : <span class="muted">—</span>}</td>
                  <td class="mono small">{c.apiKey}</td>
                  <td>{c.hasApiToken ? <Badge tone="green">Stored</Badge> : <Badge tone="amber">Missing</Badge>}</td>
                  <td class="small muted nowrap">{whenShort(c.updatedAt)}</td>
                  <td class="actions">
                    <button class="btn small" type="button" onClick={() => setEditing(c.id)}>
                      Edit
                    </button>
                    <button class="btn small danger ghost" type="button" onClick={() => void remove(c)}>
                      Delete
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

function ConfigForm(props: { config: TelephonyView | null; onDone: (changed: boolean) => void }) {
  const existing = props.config;
  const [draft, setDraft] = useState<Draft>({
    name: existing?.name ?? '',
    accountSid: existing?.accountSid ?? '',
    region: existing?.region ?? 'api.exotel.com',
    callerId: existing?.callerId ?? '',
    apiKey: '',
    apiToken: '',
  });
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => {
    setProblems((current) => current.filter((p) => !(p.path in patch)));
    setDraft({ ...draft, ...patch });
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const callerId = draft.callerId.trim();
    const checked = callerId === '' ? null : checkPhone(callerId, 'callerId', TELEPHONY_LABELS.callerId);
    setProblems(checked && !checked.ok ? [checked.problem] : []);
    if (checked && !checked.ok) return;
    setBusy(true);
    const body: Record<string, unknown> = {
      name: draft.name,
      accountSid: draft.accountSid,
      region: draft.region,
      callerId: callerId === '' ? null : callerId,
    };
    // Secrets left empty on an edit stay as they are.
    if (draft.apiKey !== '' || !existing) body.apiKey = draft.apiKey;
    if (draft.apiToken !== '' || !existing) body.apiToken = draft.apiToken;
    try {
      if (existing) await api.patch(`/api/v1/telephony-configs/${encodeURIComponent(existing.id)}`, body);
      else await api.post('/api/v1/telephony-configs', body);
      props.onDone(true);
    } catch (err) {
      setProblems(problemsOf(err));
    } finally {
      setBusy(false);
    }
  };
  const at = (path: keyof typeof TELEPHONY_LABELS) => problemAt(problems, path);
  const elsewhere = problems.filter((p) => !(p.path in TELEPHONY_LABELS) || p.path === 'provider');

  const keep = existing ? 'Leave empty to keep the stored one' : undefined;
  return (
    <Card title={existing ? `Edit ${existing.name}` : 'New Exotel account'}>
      <form onSubmit={(e) => void save(e)}>
        <div class="form-grid">
          <Field label={TELEPHONY_LABELS.name} error={at('name')}>
            <input
              class="input"
              name="name"
              required
              maxLength={TELEPHONY_TEXT_LIMITS.name}
              placeholder="Production"
              value={draft.name}
              onInput={(e) => set({ name: e.currentTarget.value })}
            />
          </Field>
          <Field label={TELEPHONY_LABELS.accountSid} error={at('accountSid')}>
            <input
              class="input mono"
              name="accountSid"
              required
              maxLength={TELEPHONY_TEXT_LIMITS.accountSid}
              value={draft.accountSid}
              onInput={(e) => set({ accountSid: e.currentTarget.value })}
            />
          </Field>
          <Field label={TELEPHONY_LABELS.region} hint="Where the account lives (the API host)." error={at('region')}>
            <select class="input" value={draft.region} onChange={(e) => set({ region: e.currentTarget.value })}>
              {REGIONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label={TELEPHONY_LABELS.callerId}
            hint="Your ExoPhone: the default number outbound calls come from."
            error={at('callerId')}
          >
            <input
              class="input mono"
              type="tel"
              name="callerId"
              maxLength={PHONE_MAX_CHARS}
              placeholder="+918047491899"
              value={draft.callerId}
              onInput={(e) => set({ callerId: e.currentTarget.value })}
            />
          </Field>
          <Field label={TELEPHONY_LABELS.apiKey} hint={keep ?? 'Write-only: never shown again.'} error={at('apiKey')}>
            <input
              class="input mono"
              type="password"
              autocomplete="new-password"
              required={!existing}
              maxLength={TELEPHONY_TEXT_LIMITS.apiKey}
              placeholder={existing ? `stored (${existing.apiKey})` : ''}
              value={draft.apiKey}
              onInput={(e) => set({ apiKey: e.currentTarget.value })}
            />
          </Field>
          <Field
            label={TELEPHONY_LABELS.apiToken}
            hint={keep ?? 'Write-only: encrypted at rest.'}
            error={at('apiToken')}
          >
            <input
              class="input mono"
              type="password"
              autocomplete="new-password"
              required={!existing}
              maxLength={TELEPHONY_TEXT_LIMITS.apiToken}
              placeholder={existing ? 'stored' : ''}
              value={draft.apiToken}
              onInput={(e) => set({ apiToken: e.currentTarget.value })}
            />
          </Field>
        </div>
        {elsewhere.map((p) => (
          <p key={p.message} class="form-error">
            {p.message}
          </p>
        ))}
        <div class="form-actions">
          <button class="btn" type="button" onClick={() => props.onDone(false)}>
            Cancel
          </button>
          <button class="btn primary" type="submit" disabled={busy}>
            {busy ? 'Saving…' : existing ? 'Save changes' : 'Add account'}
          </button>
        </div>
      </form>
    </Card>
  );
}
