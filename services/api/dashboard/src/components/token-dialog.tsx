import { useState } from 'preact/hooks';
import { getToken, tryToken } from '../api.js';
import { errorMessage } from './ui.js';

/** Asks for the api's bearer token (AUDEXLY_API_TOKEN), checks it, and keeps it in this browser. */
export function TokenDialog(props: { onSave: (token: string | null) => void; onCancel: () => void }) {
  const [token, setToken] = useState(getToken() ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (await tryToken(token.trim())) props.onSave(token.trim());
      else setError('The api did not accept this token.');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="token-title">
      <form class="dialog" onSubmit={(e) => void submit(e)}>
        <h2 id="token-title">API token</h2>
        <p class="muted">
          This api requires a bearer token: the value of <code>AUDEXLY_API_TOKEN</code> on the server. It is kept in
          this browser only.
        </p>
        <input
          class="input"
          type="password"
          autocomplete="off"
          placeholder="Paste the token"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          autofocus
        />
        {error && <p class="form-error">{error}</p>}
        <div class="dialog-actions">
          {getToken() !== null && (
            <button class="btn ghost" type="button" onClick={() => props.onSave(null)}>
              Forget token
            </button>
          )}
          <span class="spacer" />
          <button class="btn" type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button class="btn primary" type="submit" disabled={busy || token.trim() === ''}>
            {busy ? 'Checking…' : 'Save'}
          </button>
        </div>
      </form>
    </div>
  );
}
