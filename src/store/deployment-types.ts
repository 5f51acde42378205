// The repository of deployments and their runs (records: domain/records/deployment.ts). Scheduled
// instants are claimed with compare-and-set on the deployment's cursor, so several servers on one
// database fire each instant once.
import type { DeploymentRecord, DeploymentRunRecord, DeploymentTriggerType } from '../domain/records/deployment.js';
import type { CreatedAtFilter, Page, PageRequest } from './page.js';

export type { DeploymentRecord, DeploymentRunRecord } from '../domain/records/deployment.js';

export interface DeploymentFilter {
  includeArchived: boolean;
  agentId?: string | undefined;
  status?: DeploymentRecord['status'] | undefined;
  createdAt: CreatedAtFilter;
}

export interface DeploymentRunFilter {
  deploymentId?: string | undefined;
  triggerType?: DeploymentTriggerType | undefined;
  hasError?: boolean | undefined;
  createdAt: CreatedAtFilter;
}

export interface DeploymentRepository {
  insert(deployment: DeploymentRecord): Promise<void>;
  get(workspaceId: string, id: string): Promise<DeploymentRecord | undefined>;
  /**
   * Writes the client-editable fields, status and cursor (never `last_run_at`); false if the row's
   * `updated_at` or cursor is no longer what `expected` read (a scheduler may have moved it).
   */
  update(deployment: DeploymentRecord, expected: DeploymentRecord): Promise<boolean>;
  /** Stamps `last_run_at` if it is later than the recorded one. */
  recordLastRun(id: string, at: string): Promise<void>;
  list(workspaceId: string, filter: DeploymentFilter, page: PageRequest): Promise<Page<DeploymentRecord>>;
  /** Active, unarchived deployments whose cursor is at or before `now`, oldest cursor first. */
  due(now: string, limit: number): Promise<DeploymentRecord[]>;
  /** The earliest cursor of any active deployment (when a scheduler next has work). */
  earliestDue(): Promise<string | null>;
  /**
   * Moves an active deployment's cursor from `expected` to `next`; false if another server (or an
   * edit) moved it first or the deployment is no longer active.
   */
  advanceCursor(id: string, expected: string, next: string | null): Promise<boolean>;
  /** Throws UniqueViolationError when a scheduled run for the same instant already exists. */
  insertRun(run: DeploymentRunRecord): Promise<void>;
  /** A finished run (pending ones are internal). */
  getRun(workspaceId: string, id: string): Promise<DeploymentRunRecord | undefined>;
  listRuns(workspaceId: string, filter: DeploymentRunFilter, page: PageRequest): Promise<Page<DeploymentRunRecord>>;
  /** Pending runs whose lease lapsed at `now` (their server stopped before finishing them). */
  abandonedRuns(now: string, limit: number): Promise<DeploymentRunRecord[]>;
  /** Takes a pending run's lease if it is still `expected`; false if another server took it. */
  leaseRun(id: string, expected: string | null, until: string): Promise<boolean>;
  /** Finishes a pending run with its session or error; false if it was already finished. */
  finishRun(id: string, outcome: { sessionId: string | null; error: DeploymentRunRecord['error'] }): Promise<boolean>;
}
