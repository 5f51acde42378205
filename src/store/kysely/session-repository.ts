// Sessions: the resolved agent snapshot they run with, their status and counters.
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { LeaseClaim, Page, PageRequest, RuntimePatch, SessionFilter, SessionRecord, SessionRepository, SessionStatus, StoredResource } from '../types.js';
import type { Database, SessionsTable } from './schema.js';
import { fromJson, toJson } from './json.js';
import { runShaped } from './shaped-statements.js';
import { pageQuery, toPage, whereCreatedAt } from './paging.js';

/** Who may take a session's lease at `now`: anyone if none is held, its holder, anyone once it lapsed. */
export const leaseClaimable = (eb: ExpressionBuilder<Database, 'sessions'>, { owner, now }: LeaseClaim) =>
  eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_expires_at', '<', now)]);

const toRecord = (r: Selectable<SessionsTable>): SessionRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  environmentId: r.environment_id,
  agentId: r.agent_id,
  agentVersion: Number(r.agent_version),
  agent: fromJson(r.agent),
  title: r.title,
  metadata: fromJson(r.metadata),
  status: r.status as SessionStatus,
  resources: fromJson(r.resources),
  vaultIds: fromJson(r.vault_ids),
  usage: fromJson(r.usage),
  budget: r.budget === null ? null : fromJson(r.budget),
  runtime: {
    listCostNanoUsd: Number(r.list_cost_nanousd),
    unpricedCalls: Number(r.unpriced_calls),
    activeMs: Number(r.active_ms),
    runningSince: r.running_since,
  },
  deploymentId: r.deployment_id,
  outcomeEvaluations: fromJson(r.outcome_evaluations),
  lastSeq: Number(r.last_seq),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  archivedAt: r.archived_at,
});

const toRow = (s: SessionRecord) => ({
  id: s.id,
  workspace_id: s.workspaceId,
  environment_id: s.environmentId,
  agent_id: s.agentId,
  agent_version: s.agentVersion,
  agent: toJson(s.agent),
  title: s.title,
  metadata: toJson(s.metadata),
  status: s.status,
  resources: toJson(s.resources),
  vault_ids: toJson(s.vaultIds),
  usage: toJson(s.usage),
  budget: s.budget === null || s.budget === undefined ? null : toJson(s.budget),
  deployment_id: s.deploymentId,
  outcome_evaluations: toJson(s.outcomeEvaluations),
  last_seq: s.lastSeq,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
  archived_at: s.archivedAt,
  list_cost_nanousd: s.runtime.listCostNanoUsd,
  unpriced_calls: s.runtime.unpricedCalls,
  active_ms: s.runtime.activeMs,
  running_since: s.runtime.runningSince,
});

/** Leases renewed by one statement of `renewLeases`. */
const RENEWALS_PER_STATEMENT = 256;

/**
 * `items` lengthened to the next power of two by repeating its last one (harmless in an IN list), so the renewal's
 * SQL takes one of nine texts: any number of sessions would otherwise make a new text, and a new prepared
 * statement, for each count.
 */
function padded<T>(items: T[]): T[] {
  let size = 1;
  while (size < items.length) size *= 2;
  return items.length === size ? items : [...items, ...Array<T>(size - items.length).fill(items[items.length - 1]!)];
}

export class KyselySessionRepository implements SessionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** PostgreSQL: lease checks lock the session's row (SELECT … FOR UPDATE). */
    private readonly rowLocks = false,
  ) {}

  async insert(s: SessionRecord): Promise<void> {
    await this.db.insertInto('sessions').values(toRow(s)).execute();
  }

  async get(workspaceId: string, id: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async update(s: SessionRecord): Promise<void> {
    // last_seq is owned by the event log's append and resources by replaceResources; never
    // overwrite them from a stale copy.
    // The status, usage and runtime counters belong to setRuntime (the engine's writes) for the same reason: on
    // PostgreSQL a client's update read before an engine write and written after it would undo that write.
    const {
      id, workspace_id, created_at, last_seq, resources, status, usage, outcome_evaluations, list_cost_nanousd, unpriced_calls, active_ms, running_since,
      ...changes
    } = toRow(s);
    await this.db.updateTable('sessions').set(changes).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('session_events').where('session_id', '=', id).execute();
    await this.db.deleteFrom('session_memory_stores').where('session_id', '=', id).execute();
    await this.db.deleteFrom('session_skills').where('session_id', '=', id).execute();
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async countActiveInEnvironment(environmentId: string): Promise<number> {
    const row = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('environment_id', '=', environmentId)
      .where('archived_at', 'is', null)
      .where('status', '!=', 'terminated')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(workspaceId: string, filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord>> {
    let q = this.db.selectFrom('sessions').selectAll().where('workspace_id', '=', workspaceId);
    if (!filter.includeArchived) q = q.where('archived_at', 'is', null);
    if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId);
    if (filter.agentVersion !== undefined) q = q.where('agent_version', '=', filter.agentVersion);
    if (filter.environmentId !== undefined) q = q.where('environment_id', '=', filter.environmentId);
    if (filter.deploymentId !== undefined) q = q.where('deployment_id', '=', filter.deploymentId);
    const storeId = filter.memoryStoreId;
    if (storeId !== undefined) {
      q = q.where('id', 'in', (eb) =>
        eb.selectFrom('session_memory_stores').select('session_id').where('memory_store_id', '=', storeId),
      );
    }
    if (filter.statuses && filter.statuses.length > 0) q = q.where('status', 'in', filter.statuses);
    q = whereCreatedAt(q, 'created_at', filter.createdAt);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toRecord);
  }

  async find(id: string): Promise<SessionRecord | undefined> {
    // Read at every engine step: built once (shaped-statements.ts).
    const { rows } = await runShaped(this.db, 'sessions.find', [id], () => this.db.selectFrom('sessions').selectAll().where('id', '=', id));
    return rows[0] && toRecord(rows[0]);
  }

  async replaceResources(id: string, expected: StoredResource[], next: StoredResource[], at: string): Promise<boolean> {
    // Compare-and-set on the stored JSON text: concurrent changes never overwrite each other.
    const result = await this.db
      .updateTable('sessions')
      .set({ resources: toJson(next), updated_at: at })
      .where('id', '=', id)
      .where('resources', '=', toJson(expected))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async lockLog(id: string, reserve = 0): Promise<SessionRecord | undefined> {
    // A write (a no-op without `reserve`) takes the row lock on PostgreSQL and the write lock on
    // SQLite: no dialect branch.
    const row = await this.db
      .updateTable('sessions')
      .set((eb) => ({ last_seq: reserve > 0 ? eb('last_seq', '+', reserve) : eb.ref('last_seq') }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async setRuntime(
    id: string,
    patch: RuntimePatch,
    at: string,
    reserve = 0,
  ): Promise<number | undefined> {
    const set: Record<string, unknown> = {
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.usage !== undefined ? { usage: toJson(patch.usage) } : {}),
      ...(patch.outcomeEvaluations !== undefined ? { outcome_evaluations: toJson(patch.outcomeEvaluations) } : {}),
      ...(patch.runtime !== undefined
        ? {
            list_cost_nanousd: patch.runtime.listCostNanoUsd,
            unpriced_calls: patch.runtime.unpricedCalls,
            active_ms: patch.runtime.activeMs,
            running_since: patch.runtime.runningSince,
          }
        : {}),
      updated_at: at,
    };
    // Every engine write that touches the session runs this: built once per set of columns (shaped-statements.ts).
    const values = [...(reserve > 0 ? [reserve] : []), ...Object.values(set), id];
    const shape = `sessions.setRuntime ${reserve > 0 ? 'reserve,' : ''}${Object.keys(set).join(',')}`;
    const { rows } = await runShaped(this.db, shape, values, () =>
      this.db
        .updateTable('sessions')
        .set((eb) => ({ ...(reserve > 0 ? { last_seq: eb('last_seq', '+', reserve) } : {}), ...set }))
        .where('id', '=', id)
        .returning('last_seq'),
    );
    return rows[0] && Number(rows[0].last_seq);
  }

  async acquireLease(id: string, owner: string, now: string, until: string): Promise<number | undefined> {
    const row = await this.db
      .updateTable('sessions')
      .set((eb) => ({ lease_owner: owner, lease_expires_at: until, lease_token: eb('lease_token', '+', 1) }))
      .where('id', '=', id)
      .where((eb) => leaseClaimable(eb, { owner, now }))
      .returning('lease_token')
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.lease_token);
  }

  async renewLeases(owner: string, leases: ReadonlyArray<{ id: string; token: number }>, until: string): Promise<Set<string>> {
    const renewed = new Set<string>();
    // A few hundred sessions per statement (two parameters each); the key checks the token, the id list finds the rows by key.
    for (let i = 0; i < leases.length; i += RENEWALS_PER_STATEMENT) {
      const chunk = padded(leases.slice(i, i + RENEWALS_PER_STATEMENT));
      const rows = await this.db
        .updateTable('sessions')
        .set({ lease_expires_at: until })
        .where('lease_owner', '=', owner)
        .where('id', 'in', chunk.map((l) => l.id))
        .where(sql<string>`id || ':' || lease_token`, 'in', chunk.map((l) => `${l.id}:${l.token}`))
        .returning('id')
        .execute();
      for (const row of rows) renewed.add(row.id);
    }
    return renewed;
  }

  async releaseLease(id: string, owner: string, token: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('lease_token', '=', token)
      .execute();
  }

  /**
   * The session's row if the lease is still `token`'s, locked until the transaction commits on
   * PostgreSQL (`FOR UPDATE`: the lock a takeover's update would need, without writing a new row
   * version). SQLite needs no lock: one connection runs every statement and transaction in turn.
   */
  private leased(id: string, owner: string, token: number) {
    return this.db.selectFrom('sessions').where('id', '=', id).where('lease_owner', '=', owner).where('lease_token', '=', token);
  }

  private locked<Q extends { forUpdate(): Q }>(query: Q): Q {
    return this.rowLocks ? query.forUpdate() : query;
  }

  async findFenced(id: string, owner: string, token: number): Promise<SessionRecord | undefined> {
    // The fence and the read in one statement: the row it locked.
    const { rows } = await runShaped(this.db, 'sessions.findFenced', [id, owner, token], () => this.locked(this.leased(id, owner, token).selectAll()));
    return rows[0] && toRecord(rows[0]);
  }

  async holdsLease(id: string, owner: string, token: number): Promise<boolean> {
    const { rows } = await runShaped(this.db, 'sessions.holdsLease', [id, owner, token], () => this.locked(this.leased(id, owner, token).select('id')));
    return rows.length > 0;
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('sessions')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .where('archived_at', 'is', null)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async idsWithStatus(statuses: SessionStatus[], claimable?: LeaseClaim): Promise<string[]> {
    if (statuses.length === 0) return [];
    let query = this.db.selectFrom('sessions').select('id').where('status', 'in', statuses);
    if (claimable) {
      query = query.where((eb) => leaseClaimable(eb, claimable));
    }
    const rows = await query.execute();
    return rows.map((r) => r.id);
  }
}
