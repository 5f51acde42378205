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

/** `budget.max_list_cost` as stored (validated: integer cents as a string, USD). */
export interface BudgetLimit {
  type: 'limit';
  max_list_cost: { amount: string; currency: 'USD' };
}

/** What a session has spent and how long it has run (domain/session-runtime.ts moves it). */
export interface SessionRuntime {
  /** Sum of the list cost of the session's priced model calls, in nano-dollars. */
  listCostNanoUsd: number;
  /** Model calls whose model has no list price (a budget cannot measure them). */
  unpricedCalls: number;
  /** Closed intervals spent in `running`. */
  activeMs: number;
  /** When the open `running` interval began, if the session runs now. */
  runningSince: string | null;
}

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
  /** The enforced spend ceiling (amount validated: integer cents, USD). */
  budget: BudgetLimit | null;
  /** Cost and active time: moved only by the engine's writes (setRuntime), never by update(). */
  runtime: SessionRuntime;
  deploymentId: string | null;
  /** Outcomes defined in the session, oldest first (engine-owned, like status and usage). */
  outcomeEvaluations: OutcomeEvaluation[];
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}
