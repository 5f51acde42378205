// The self-hosted work queue: items (compare-and-set on a revision), per-claim tokens, pollers.
import type { Kysely, Selectable } from 'kysely';
import type { Page, PageRequest } from '../types.js';
import {
  OPEN_WORK_STATES,
  type WorkItemRecord,
  type WorkQueueCounts,
  type WorkRepository,
  type WorkState,
  type WorkTokenRecord,
} from '../work-types.js';
import type { Database } from './schema.js';
import type { WorkItemsTable } from './work-schema.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage } from './paging.js';

const toRecord = (r: Selectable<WorkItemsTable>): WorkItemRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  environmentId: r.environment_id,
  sessionId: r.session_id,
  state: r.state as WorkState,
  metadata: fromJson(r.metadata),
  claim: Number(r.claim),
  revision: Number(r.revision),
  claimedAt: r.claimed_at,
  claimedBy: r.claimed_by,
  createdAt: r.created_at,
  acknowledgedAt: r.acknowledged_at,
  startedAt: r.started_at,
  latestHeartbeatAt: r.latest_heartbeat_at,
  leaseExpiresAt: r.lease_expires_at,
  stopRequestedAt: r.stop_requested_at,
  stoppedAt: r.stopped_at,
});

const toRow = (w: WorkItemRecord) => ({
  id: w.id,
  workspace_id: w.workspaceId,
  environment_id: w.environmentId,
  session_id: w.sessionId,
  state: w.state,
  metadata: toJson(w.metadata),
  claim: w.claim,
  revision: w.revision,
  claimed_at: w.claimedAt,
  claimed_by: w.claimedBy,
  created_at: w.createdAt,
  acknowledged_at: w.acknowledgedAt,
  started_at: w.startedAt,
  latest_heartbeat_at: w.latestHeartbeatAt,
  lease_expires_at: w.leaseExpiresAt,
  stop_requested_at: w.stopRequestedAt,
  stopped_at: w.stoppedAt,
});

const OPEN = OPEN_WORK_STATES as WorkState[];

export class KyselyWorkRepository implements WorkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async offer(item: WorkItemRecord): Promise<{ item: WorkItemRecord; created: boolean }> {
    // The partial unique index on open items decides; DO NOTHING keeps a PostgreSQL transaction usable.
    // A second round covers the open item being stopped between the insert and the read.
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.db
        .insertInto('work_items')
        .values(toRow(item))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 1) return { item, created: true };
      const open = await this.openForSession(item.sessionId);
      if (open) return { item: open, created: false };
    }
    throw new Error(`work item ${item.id} could neither be inserted nor found open for session ${item.sessionId}`);
  }

  async get(environmentId: string, id: string): Promise<WorkItemRecord | undefined> {
    const row = await this.db
      .selectFrom('work_items')
      .selectAll()
      .where('environment_id', '=', environmentId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async find(id: string): Promise<WorkItemRecord | undefined> {
    const row = await this.db.selectFrom('work_items').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async openForSession(sessionId: string): Promise<WorkItemRecord | undefined> {
    const row = await this.db
      .selectFrom('work_items')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('state', 'in', OPEN)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async list(environmentId: string, page: PageRequest): Promise<Page<WorkItemRecord>> {
    const q = this.db.selectFrom('work_items').selectAll().where('environment_id', '=', environmentId);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toRecord);
  }

  async claimable(environmentId: string, now: string, reclaimBefore: string, limit: number): Promise<WorkItemRecord[]> {
    const rows = await this.db
      .selectFrom('work_items')
      .selectAll()
      .where('environment_id', '=', environmentId)
      .where((eb) =>
        eb.or([
          eb.and([
            eb('state', '=', 'queued'),
            eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', reclaimBefore)]),
          ]),
          eb.and([eb('state', 'in', ['starting', 'active']), eb('lease_expires_at', '<', now)]),
        ]),
      )
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async lapsedStopping(environmentId: string, now: string): Promise<WorkItemRecord[]> {
    const rows = await this.db
      .selectFrom('work_items')
      .selectAll()
      .where('environment_id', '=', environmentId)
      .where('state', '=', 'stopping')
      .where('lease_expires_at', '<', now)
      .execute();
    return rows.map(toRecord);
  }

  async update(next: WorkItemRecord): Promise<boolean> {
    const { id, workspace_id, environment_id, session_id, created_at, revision, ...changes } = toRow(next);
    const result = await this.db
      .updateTable('work_items')
      .set({ ...changes, revision: revision + 1 })
      .where('id', '=', id)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async stopUnclaimed(sessionId: string, before: string, at: string): Promise<number> {
    const result = await this.db
      .updateTable('work_items')
      .set((eb) => ({ state: 'stopped', stop_requested_at: at, stopped_at: at, revision: eb('revision', '+', 1) }))
      .where('session_id', '=', sessionId)
      .where('state', '=', 'queued')
      .where('claimed_at', 'is', null)
      .where('created_at', '<=', before)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async counts(environmentId: string): Promise<WorkQueueCounts> {
    const row = await this.db
      .selectFrom('work_items')
      .select((eb) => [
        eb.fn.countAll().filterWhere('claimed_at', 'is', null).as('depth'),
        eb.fn.countAll().filterWhere('claimed_at', 'is not', null).as('pending'),
        eb.fn.min('created_at').as('oldest'),
      ])
      .where('environment_id', '=', environmentId)
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow();
    return { depth: Number(row.depth), pending: Number(row.pending), oldestQueuedAt: row.oldest ?? null };
  }

  async notePoll(environmentId: string, workerId: string, at: string): Promise<void> {
    await this.db
      .insertInto('work_pollers')
      .values({ environment_id: environmentId, worker_id: workerId, last_polled_at: at })
      .onConflict((oc) => oc.columns(['environment_id', 'worker_id']).doUpdateSet({ last_polled_at: at }))
      .execute();
  }

  async pollersSince(environmentId: string, since: string): Promise<number> {
    const row = await this.db
      .selectFrom('work_pollers')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('environment_id', '=', environmentId)
      .where('last_polled_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addToken(token: WorkTokenRecord): Promise<void> {
    await this.db
      .insertInto('work_tokens')
      .values({ digest: token.digest, work_id: token.workId, claim: token.claim, created_at: token.createdAt })
      .execute();
  }

  async findToken(digest: string): Promise<WorkTokenRecord | undefined> {
    const row = await this.db.selectFrom('work_tokens').selectAll().where('digest', '=', digest).executeTakeFirst();
    return row && { digest: row.digest, workId: row.work_id, claim: Number(row.claim), createdAt: row.created_at };
  }
}
