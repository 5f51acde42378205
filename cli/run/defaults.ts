// Finds or creates the default environment and agent that every `agentd run` reuses.
import Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
import type { BetaEnvironment } from '@anthropic-ai/sdk/resources/beta/environments/environments.js';
import { agentParams, DEFAULT_NAME, sameSpec, specOfAgent, type AgentSpec } from './agent-spec.js';

async function findEnvironment(client: Anthropic): Promise<BetaEnvironment | undefined> {
  for await (const env of client.beta.environments.list({ limit: 100 })) {
    if (env.name === DEFAULT_NAME && env.archived_at === null) return env;
  }
  return undefined;
}

export async function ensureEnvironment(client: Anthropic): Promise<BetaEnvironment> {
  const found = await findEnvironment(client);
  if (found) return found;
  try {
    return await client.beta.environments.create({ name: DEFAULT_NAME, config: { type: 'cloud' } });
  } catch (err) {
    // Environment names are unique: a concurrent run created it first, so use that one.
    if (err instanceof Anthropic.ConflictError) {
      const raced = await findEnvironment(client);
      if (raced) return raced;
    }
    throw err;
  }
}

/** The oldest live agent of that name, so concurrent first runs converge on the same one. */
async function findAgent(client: Anthropic): Promise<BetaManagedAgentsAgent | undefined> {
  let oldest: BetaManagedAgentsAgent | undefined;
  for await (const agent of client.beta.agents.list({ limit: 100 })) {
    if (agent.name !== DEFAULT_NAME || agent.archived_at !== null) continue;
    if (!oldest || agent.created_at < oldest.created_at) oldest = agent;
  }
  return oldest;
}

export async function ensureAgent(client: Anthropic, spec: AgentSpec): Promise<BetaManagedAgentsAgent> {
  const params = agentParams(spec);
  for (let attempt = 0; ; attempt++) {
    const agent = await findAgent(client);
    if (!agent) return client.beta.agents.create({ name: DEFAULT_NAME, ...params });
    const current = specOfAgent(agent);
    if (current && sameSpec(current, spec)) return agent;
    try {
      // `version` makes the update conditional: a concurrent change is a 409, not a lost write.
      return await client.beta.agents.update(agent.id, { version: agent.version, ...params });
    } catch (err) {
      if (!(err instanceof Anthropic.ConflictError) || attempt >= 2) throw err;
    }
  }
}
