import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '@audexly/protocol';

/** Writes `agent` to a fresh temporary JSON file for the gateway's `AGENT_FILE`; returns its path. */
export function writeAgentFile(agent: AgentConfig): string {
  const file = join(mkdtempSync(join(tmpdir(), 'audexly-bench-')), 'agent.json');
  writeFileSync(file, JSON.stringify(agent));
  return file;
}
