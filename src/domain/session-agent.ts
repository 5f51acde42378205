// The agent configuration a session runs with: a pinned version plus session-local overrides.
import type { SessionAgent } from '../api/wire.js';
import type { AgentSnapshot } from './records/agent.js';

export function sessionAgentFrom(id: string, version: number, s: AgentSnapshot): SessionAgent {
  return {
    type: 'agent',
    id,
    version,
    name: s.name,
    description: s.description,
    system: s.system,
    model: s.model,
    tools: s.tools,
    mcp_servers: s.mcp_servers,
    skills: s.skills,
    multiagent: s.multiagent as SessionAgent['multiagent'],
    execution_identity: s.execution_identity,
  };
}

export const emptyUsage = () => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
});
