import { useState } from 'preact/hooks';
import { api, listOf } from '../api.js';
import { Badge, Card, Empty, ErrorBox, Field, Loading, Notice, PageHeader, errorMessage } from '../components/ui.js';
import { whenShort } from '../format.js';
import type { TelephonyConfig } from '../types.js';
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
  const list = listOf<TelephonyConfig>(configs.data, 'telephonyConfigs', 'configs');
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const remove = async (config: TelephonyConfig) => {
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
          <Empty title="No Exotel account yet">Add one with the API key, token and account SID from Exotel's dashboard (Settings → API).</Empty>
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
                  <td class="mono small">{c.callerId ?? <span class="muted">—</span>}</td>
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

function ConfigForm(props: { config: TelephonyConfig | null; onDone: (changed: boolean) => void }) {
  const existing = props.config;
  const [draft, setDraft] = useState<Draft>({
    name: existing?.name ?? '',
    accountSid: existing?.accountSid ?? '',
    region: existing?.region ?? 'api.exotel.com',
    callerId: existing?.callerId ?? '',
    apiKey: '',
    apiToken: '',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });

  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = { name: draft.name, accountSid: draft.accountSid, region: draft.region, callerId: draft.callerId.trim() === '' ? null : draft.callerId.trim() };
    // Secrets left empty on an edit stay as they are.
    if (draft.apiKey !== '' || !existing) body.apiKey = draft.apiKey;
    if (draft.apiToken !== '' || !existing) body.apiToken = draft.apiToken;
    try {
      if (existing) await api.patch(`/api/v1/telephony-configs/${encodeURIComponent(existing.id)}`, body);
      else await api.post('/api/v1/telephony-configs', body);
      props.onDone(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const keep = existing ? 'Leave empty to keep the stored one' : undefined;
  return (
    <Card title={existing ? `Edit ${existing.name}` : 'New Exotel account'}>
      <form onSubmit={(e) => void save(e)}>
        <div class="form-grid">
          <Field label="Name">
            <input class="input" required placeholder="Production" value={draft.name} onInput={(e) => set({ name: e.currentTarget.value })} />
          </Field>
          <Field label="Account SID">
            <input class="input mono" required value={draft.accountSid} onInput={(e) => set({ accountSid: e.currentTarget.value })} />
          </Field>
          <Field label="Region" hint="Where the account lives (the API host).">
            <select class="input" value={draft.region} onChange={(e) => set({ region: e.currentTarget.value })}>
              {REGIONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Caller ID (ExoPhone)" hint="Default number for outbound calls.">
            <input class="input mono" placeholder="+918047491899" value={draft.callerId} onInput={(e) => set({ callerId: e.currentTarget.value })} />
          </Field>
          <Field label="API key" hint={keep ?? 'Write-only: never shown again.'}>
            <input class="input mono" type="password" autocomplete="new-password" required={!existing} placeholder={existing ? `stored (${existing.apiKey})` : ''} value={draft.apiKey} onInput={(e) => set({ apiKey: e.currentTarget.value })} />
          </Field>
          <Field label="API token" hint={keep ?? 'Write-only: encrypted at rest.'}>
            <input class="input mono" type="password" autocomplete="new-password" required={!existing} placeholder={existing ? 'stored' : ''} value={draft.apiToken} onInput={(e) => set({ apiToken: e.currentTarget.value })} />
          </Field>
        </div>
        {error && <p class="form-error">{error}</p>}
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
