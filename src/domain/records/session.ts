// Session records: the agent a session runs with, its status, resources and running totals.
import type { OutcomeEvaluation, Session, SessionAgent, SessionResource, SessionUsage } from '../../api/wire.js';

export type SessionStatus = Session['status'];

/** Every wire status, as a runtime value (checked against the SDK's type both ways). */
export const SessionStatus = {
  idle: 'idle',
  running: 'running',
  rescheduling: 'rescheduling',
  terminated: 'terminated',
} as const satisfies { [K in SessionStatus]: K };

/** Secret parts of a resource (e.g. a repository token): stored, never presented. */
export interface StoredResource {
  resource: SessionResource;
  secret?: { authorization_token?: string } | undefined;
}

export interface SessionRecord {
  id: string;
  workspaceId: string;
  environmentId: string;
  agentId: string;
  agentVersion: number;
  agent: SessionAgent;
  title: string | null;
  metadata: Record<string, string>;
  status: SessionStatus;
  resources: StoredResource[];
  vaultIds: string[];
  usage: SessionUsage;
  budget: unknown;
  deploymentId: string | null;
  /** Outcomes defined in the session, oldest first (engine-owned, like status and usage). */
  outcomeEvaluations: OutcomeEvaluation[];
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}
