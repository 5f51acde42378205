// Agent records: a current version plus immutable past versions (the store implements their repository).
import type { Agent } from '../../api/wire.js';

/** The versioned part of an agent: everything except identity and timestamps. */
export type AgentSnapshot = Omit<Agent, 'id' | 'type' | 'version' | 'created_at' | 'updated_at' | 'archived_at'>;

export interface AgentRecord {
  id: string;
  workspaceId: string;
  version: number;
  snapshot: AgentSnapshot;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export interface AgentVersionRecord {
  agentId: string;
  version: number;
  snapshot: AgentSnapshot;
  createdAt: string;
}
