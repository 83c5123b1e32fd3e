import { useEffect, useRef, useState } from 'preact/hooks';
import { getToken, onUnauthorized, setToken } from './api.js';
import { Icon, type IconName } from './components/icons.js';
import { TokenDialog } from './components/token-dialog.js';
import { href, useRoute } from './router.js';
import { AgentEditorPage } from './pages/agent-editor.js';
import { AgentsPage } from './pages/agents.js';
import { CallDetailPage } from './pages/call-detail.js';
import { CallsPage } from './pages/calls.js';
import { NumbersPage } from './pages/numbers.js';
import { SystemPage } from './pages/system.js';
import { TelephonyPage } from './pages/telephony.js';

const NAV: { section: string; label: string; icon: IconName }[] = [
  { section: 'calls', label: 'Calls', icon: 'calls' },
  { section: 'agents', label: 'Agents', icon: 'agents' },
  { section: 'numbers', label: 'Numbers', icon: 'numbers' },
  { section: 'telephony', label: 'Telephony', icon: 'telephony' },
  { section: 'system', label: 'System health', icon: 'system' },
];

/** The shell: sidebar, the page for the current route, and the token dialog when the api asks. */
export function App() {
  const route = useRoute();
  const [asking, setAsking] = useState(false);
  const [session, setSession] = useState(0);
  const [hasToken, setHasToken] = useState(() => getToken() !== null);

  // Once the operator closes the dialog, polled pages answering 401 do not reopen it; the sidebar does.
  const dismissed = useRef(false);
  useEffect(
    () =>
      onUnauthorized(() => {
        if (!dismissed.current) setAsking(true);
      }),
    [],
  );

  const [section = 'calls', id] = route.path;
  let page;
  if (section === 'calls' && id) page = <CallDetailPage callId={id} />;
  else if (section === 'agents' && id) page = <AgentEditorPage agentId={id === 'new' ? null : id} />;
  else if (section === 'agents') page = <AgentsPage />;
  else if (section === 'numbers') page = <NumbersPage />;
  else if (section === 'telephony') page = <TelephonyPage />;
  else if (section === 'system') page = <SystemPage />;
  else page = <CallsPage />;

  return (
    <div class="shell">
      <aside class="sidebar">
        <a class="brand" href={href('calls')}>
          <span class="brand-mark" aria-hidden="true">
            <svg viewBox="0 0 32 32" width="28" height="28">
              <rect width="32" height="32" rx="8" fill="#6366f1" />
              <path
                d="M9 20v-8M13 23V9M17 20v-8M21 17v-2M25 19v-6"
                stroke="white"
                stroke-width="2.4"
                stroke-linecap="round"
              />
            </svg>
          </span>
          <span>Audexly</span>
        </a>
        <nav>
          {NAV.map((item) => (
            <a
              key={item.section}
              href={href(item.section)}
              class={section === item.section ? 'nav-item active' : 'nav-item'}
            >
              <Icon name={item.icon} />
              {item.label}
            </a>
          ))}
        </nav>
        <div class="sidebar-footer">
          <button class="nav-item" type="button" onClick={() => setAsking(true)}>
            <Icon name="key" />
            {hasToken ? 'Change API token' : 'Set API token'}
          </button>
        </div>
      </aside>
      <main class="content" key={session}>
        {page}
      </main>
      {asking && (
        <TokenDialog
          onCancel={() => {
            dismissed.current = true;
            setAsking(false);
          }}
          onSave={(token) => {
            setToken(token);
            setHasToken(token !== null);
            dismissed.current = false;
            setAsking(false);
            setSession((n) => n + 1);
          }}
        />
      )}
    </div>
  );
}
