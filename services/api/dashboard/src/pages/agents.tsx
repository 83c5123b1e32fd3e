import { listOf } from '../api.js';
import { Card, Empty, ErrorBox, Loading, PageHeader } from '../components/ui.js';
import { phone, whenShort } from '../format.js';
import { href, navigate } from '../router.js';
import type { AgentConfig, NumberRoute } from '@audexly/protocol/api';
import { useApi } from '../use-api.js';

type StoredAgent = AgentConfig & { createdAt?: string; updatedAt?: string };

/** Every agent, with the numbers that reach it. */
export function AgentsPage() {
  const agents = useApi<unknown>('/api/v1/agents');
  const numbers = useApi<unknown>('/api/v1/numbers');
  const list = listOf<StoredAgent>(agents.data, 'agents');
  const routes = listOf<NumberRoute>(numbers.data, 'numbers');

  return (
    <>
      <PageHeader
        title="Agents"
        subtitle="What answers the phone: prompt, voice, models and behaviour."
        actions={
          <a class="btn primary" href={href('agents', 'new')}>
            New agent
          </a>
        }
      />
      <Card flush>
        {agents.error ? (
          <ErrorBox error={agents.error} retry={agents.reload} />
        ) : !agents.data ? (
          <Loading label="Loading agents…" />
        ) : list.length === 0 ? (
          <Empty
            title="No agents yet"
            action={
              <a class="btn primary" href={href('agents', 'new')}>
                Create your first agent
              </a>
            }
          >
            An agent holds the prompt, the greeting, the voice and the models a call uses.
          </Empty>
        ) : (
          <table class="table clickable">
            <thead>
              <tr>
                <th>Name</th>
                <th>Language</th>
                <th>Models</th>
                <th>Voice</th>
                <th>Numbers</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.map((agent) => {
                const mine = routes.filter((r) => r.agentId === agent.id);
                return (
                  <tr key={agent.id} onClick={() => navigate('agents', agent.id)}>
                    <td>
                      <a class="row-link strong" href={href('agents', agent.id)}>
                        {agent.name}
                      </a>
                      <div class="muted small mono">{agent.id}</div>
                    </td>
                    <td>{agent.language}</td>
                    <td class="small">
                      {agent.stt.model} · {agent.llm.model}
                    </td>
                    <td class="small">
                      {agent.tts.speaker} ({agent.tts.model})
                    </td>
                    <td class="mono small">
                      {mine.length === 0 ? (
                        <span class="muted">none</span>
                      ) : (
                        mine.map((r) => phone(r.number)).join(', ')
                      )}
                    </td>
                    <td class="small muted nowrap">{whenShort(agent.updatedAt ?? agent.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
