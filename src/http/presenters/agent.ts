// Agent records → the wire `BetaManagedAgentsAgent`.
import type { Agent } from '../../api/wire.js';
import type { AgentRecord, AgentVersionRecord } from '../../store/types.js';

export function presentAgent(a: AgentRecord): Agent {
  return {
    type: 'agent',
    id: a.id,
    version: a.version,
    ...a.snapshot,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    archived_at: a.archivedAt,
  };
}

/** A past version, shown as the agent looked when that version was current. */
export function presentAgentVersion(agent: AgentRecord, v: AgentVersionRecord): Agent {
  return presentAgent({ ...agent, version: v.version, snapshot: v.snapshot, updatedAt: v.createdAt });
}
