// The coordinator's roster (agent.multiagent, type coordinator), resolved to the agent versions its
// entries pin (entries were pinned when the coordinator was saved).
import type { RosterAgent } from '../domain/delegation.js';
import { sessionAgentFrom } from '../domain/session-agent.js';
import type { SessionRecord, Store } from '../store/types.js';

export async function resolveRoster(store: Store, session: SessionRecord): Promise<RosterAgent[]> {
  const multiagent = session.agent.multiagent as { type: string; agents?: Array<{ type: string; id?: string; version?: number }> } | null;
  if (multiagent?.type !== 'coordinator') return [];
  const roster: RosterAgent[] = [];
  for (const entry of multiagent.agents ?? []) {
    if (entry.type !== 'agent' || entry.id === undefined || entry.version === undefined) continue;
    const version = await store.agents.getVersion(entry.id, entry.version);
    if (version) roster.push({ id: entry.id, version: entry.version, agent: sessionAgentFrom(entry.id, entry.version, version.snapshot) });
  }
  return roster;
}
