import { randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentConfigSchema, numberKey, type AgentConfig, type AgentConfigInput } from '@audexly/protocol';
import { BUCKETS, openBucket, type Bus } from '@audexly/bus';

/** An agent stored for a test, and the number that reaches it. */
export interface TestAgent {
  agent: AgentConfig;
  /** E.164 number to dial (`to` of the simulated call). */
  number: string;
  /** Removes the agent and its number from KV. */
  remove(): Promise<void>;
}

/** A JSON file with an agent, for the gateway's `AGENT_FILE` (the agent of calls to unrouted numbers). */
export function defaultAgentFile(input: AgentConfigInput): string {
  const file = join(mkdtempSync(join(tmpdir(), 'audexly-agent-')), 'agent.json');
  writeFileSync(file, JSON.stringify(agentConfigSchema.parse(input)));
  return file;
}

/**
 * `AGENT_FILE` for tests whose fake Sarvam tells the caller's turns apart by their audio's length:
 * a pause probe would cut an utterance into pieces, so this agent does not speculate (on by default).
 */
export function nonSpeculatingAgentFile(): string {
  return defaultAgentFile({
    id: 'default',
    name: 'Default',
    prompt: 'You are a phone assistant.',
    greeting: 'Hello, how can I help?',
    turn: { speculate: false },
  });
}

/**
 * Stores an agent in KV `agents` and routes a fresh random number to it in KV `numbers`, the way
 * the api does: the gateway then picks this agent for calls to that number.
 */
export async function storeTestAgent(bus: Bus, input: AgentConfigInput): Promise<TestAgent> {
  const agent = agentConfigSchema.parse(input);
  const number = `+9122${String(randomInt(10 ** 8)).padStart(8, '0')}`;
  const [agents, numbers] = await Promise.all([openBucket(bus, BUCKETS.agents), openBucket(bus, BUCKETS.numbers)]);
  await agents.put(agent.id, JSON.stringify(agent));
  await numbers.put(
    numberKey(number),
    JSON.stringify({ number, agentId: agent.id, telephonyConfigId: null, createdAt: new Date().toISOString() }),
  );
  return {
    agent,
    number,
    remove: async () => {
      await numbers.delete(numberKey(number));
      await agents.delete(agent.id);
    },
  };
}
