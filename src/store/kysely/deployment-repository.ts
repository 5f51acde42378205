// Deployments and their runs. The cursor (`next_fire_at`) and a pending run's lease move only by
// compare-and-set, which is what lets several servers share one database's schedules.
import type { Kysely, Selectable } from 'kysely';
import type { DeploymentFilter, DeploymentRepository, DeploymentRunFilter } from '../deployment-types.js';
import type { DeploymentRecord, DeploymentRunRecord } from '../../domain/records/deployment.js';
import type { Page, PageRequest } from '../page.js';
import type { Database } from './schema.js';
import type { DeploymentRunsTable, DeploymentsTable } from './deployment-schema.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage, whereCreatedAt } from './paging.js';
import { UniqueViolationError } from '../errors.js';
import { isUniqueViolation } from './unique-violation.js';

const toRecord = (r: Selectable<DeploymentsTable>): DeploymentRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  description: r.description,
  agent: fromJson(r.agent),
  environmentId: r.environment_id,
  initialEvents: fromJson(r.initial_events),
  resources: fromJson(r.resources),
  vaultIds: fromJson(r.vault_ids),
  budget: r.budget === null ? null : fromJson(r.budget),
  metadata: fromJson(r.metadata),
  schedule: r.schedule === null ? null : fromJson(r.schedule),
  status: r.status as DeploymentRecord['status'],
  pausedReason: r.paused_reason === null ? null : fromJson(r.paused_reason),
  lastRunAt: r.last_run_at,
  nextFireAt: r.next_fire_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  archivedAt: r.archived_at,
});

const toRow = (d: DeploymentRecord): DeploymentsTable => ({
  id: d.id,
  workspace_id: d.workspaceId,
  name: d.name,
  description: d.description,
  agent: toJson(d.agent),
  agent_id: d.agent.id,
  environment_id: d.environmentId,
  initial_events: toJson(d.initialEvents),
  resources: toJson(d.resources),
  vault_ids: toJson(d.vaultIds),
  budget: d.budget === null ? null : toJson(d.budget),
  metadata: toJson(d.metadata),
  schedule: d.schedule === null ? null : toJson(d.schedule),
  status: d.status,
  paused_reason: d.pausedReason === null ? null : toJson(d.pausedReason),
  last_run_at: d.lastRunAt,
  next_fire_at: d.nextFireAt,
  created_at: d.createdAt,
  updated_at: d.updatedAt,
  archived_at: d.archivedAt,
});

const toRun = (r: Selectable<DeploymentRunsTable>): DeploymentRunRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  deploymentId: r.deployment_id,
  agent: fromJson(r.agent),
  triggerType: r.trigger_type as DeploymentRunRecord['triggerType'],
  scheduledAt: r.scheduled_at,
  state: r.state as DeploymentRunRecord['state'],
  leaseUntil: r.lease_until,
  sessionId: r.session_id,
  error: r.error === null ? null : fromJson(r.error),
  createdAt: r.created_at,
});

export class KyselyDeploymentRepository implements DeploymentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(d: DeploymentRecord): Promise<void> {
    await this.db.insertInto('deployments').values(toRow(d)).execute();
  }

  async get(workspaceId: string, id: string): Promise<DeploymentRecord | undefined> {
    const row = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async update(d: DeploymentRecord, expected: DeploymentRecord): Promise<boolean> {
    const { id, workspace_id, created_at, last_run_at, ...changes } = toRow(d);
    const result = await this.db
      .updateTable('deployments')
      .set(changes)
      .where('id', '=', id)
      .where('updated_at', '=', expected.updatedAt)
      .where('next_fire_at', expected.nextFireAt === null ? 'is' : '=', expected.nextFireAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordLastRun(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('deployments')
      .set({ last_run_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_run_at', 'is', null), eb('last_run_at', '<', at)]))
      .execute();
  }

  async list(workspaceId: string, filter: DeploymentFilter, page: PageRequest): Promise<Page<DeploymentRecord>> {
    let q = this.db.selectFrom('deployments').selectAll().where('workspace_id', '=', workspaceId);
    if (!filter.includeArchived) q = q.where('archived_at', 'is', null);
    if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    q = whereCreatedAt(q, 'created_at', filter.createdAt);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toRecord);
  }

  private active() {
    return this.db
      .selectFrom('deployments')
      .where('status', '=', 'active')
      .where('archived_at', 'is', null)
      .where('next_fire_at', 'is not', null);
  }

  async due(now: string, limit: number): Promise<DeploymentRecord[]> {
    const rows = await this.active().selectAll().where('next_fire_at', '<=', now).orderBy('next_fire_at').limit(limit).execute();
    return rows.map(toRecord);
  }

  async earliestDue(): Promise<string | null> {
    const row = await this.active().select('next_fire_at').orderBy('next_fire_at').limit(1).executeTakeFirst();
    return row?.next_fire_at ?? null;
  }

  async advanceCursor(id: string, expected: string, next: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('deployments')
      .set({ next_fire_at: next })
      .where('id', '=', id)
      .where('next_fire_at', '=', expected)
      .where('status', '=', 'active')
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertRun(run: DeploymentRunRecord): Promise<void> {
    await this.db
      .insertInto('deployment_runs')
      .values({
        id: run.id,
        workspace_id: run.workspaceId,
        deployment_id: run.deploymentId,
        agent: toJson(run.agent),
        trigger_type: run.triggerType,
        scheduled_at: run.scheduledAt,
        state: run.state,
        lease_until: run.leaseUntil,
        session_id: run.sessionId,
        error: run.error === null ? null : toJson(run.error),
        has_error: run.error === null ? 0 : 1,
        created_at: run.createdAt,
      })
      .execute()
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? new UniqueViolationError('deployment_runs_instant', { cause: err }) : err;
      });
  }

  async getRun(workspaceId: string, id: string): Promise<DeploymentRunRecord | undefined> {
    const row = await this.db
      .selectFrom('deployment_runs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('state', '=', 'done')
      .executeTakeFirst();
    return row && toRun(row);
  }

  async listRuns(workspaceId: string, filter: DeploymentRunFilter, page: PageRequest): Promise<Page<DeploymentRunRecord>> {
    let q = this.db
      .selectFrom('deployment_runs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('state', '=', 'done');
    if (filter.deploymentId !== undefined) q = q.where('deployment_id', '=', filter.deploymentId);
    if (filter.triggerType !== undefined) q = q.where('trigger_type', '=', filter.triggerType);
    if (filter.hasError !== undefined) q = q.where('has_error', '=', filter.hasError ? 1 : 0);
    q = whereCreatedAt(q, 'created_at', filter.createdAt);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toRun);
  }

  async abandonedRuns(now: string, limit: number): Promise<DeploymentRunRecord[]> {
    const rows = await this.db
      .selectFrom('deployment_runs')
      .selectAll()
      .where('state', '=', 'pending')
      .where('lease_until', '<=', now)
      .orderBy('lease_until')
      .limit(limit)
      .execute();
    return rows.map(toRun);
  }

  async leaseRun(id: string, expected: string | null, until: string): Promise<boolean> {
    const result = await this.db
      .updateTable('deployment_runs')
      .set({ lease_until: until })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where('lease_until', expected === null ? 'is' : '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finishRun(id: string, outcome: { sessionId: string | null; error: DeploymentRunRecord['error'] }): Promise<boolean> {
    const result = await this.db
      .updateTable('deployment_runs')
      .set({
        state: 'done',
        lease_until: null,
        session_id: outcome.sessionId,
        error: outcome.error === null ? null : toJson(outcome.error),
        has_error: outcome.error === null ? 0 : 1,
      })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
