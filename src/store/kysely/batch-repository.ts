// Message Batches: the batch row with its counters, and one leased row per request.
import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  BatchProcessingStatus,
  BatchRecord,
  BatchRepository,
  BatchRequestRecord,
  BatchRequestState,
  BatchResultRow,
  BatchResultType,
  NewBatchRequest,
  SettleRunning,
} from '../batch-types.js';
import type { Page, PageRequest } from '../types.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage } from './paging.js';
import type { Database } from './schema.js';
import type { MessageBatchRequestsTable, MessageBatchesTable } from './usage-schema.js';

const toBatch = (r: Selectable<MessageBatchesTable>): BatchRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  apiKeyId: r.api_key_id,
  betas: fromJson(r.betas),
  processingStatus: r.processing_status as BatchProcessingStatus,
  counts: {
    processing: Number(r.processing),
    succeeded: Number(r.succeeded),
    errored: Number(r.errored),
    canceled: Number(r.canceled),
    expired: Number(r.expired),
  },
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  endedAt: r.ended_at,
  cancelInitiatedAt: r.cancel_initiated_at,
});

const toRequest = (r: Selectable<MessageBatchRequestsTable>): BatchRequestRecord => ({
  batchId: r.batch_id,
  index: Number(r.idx),
  customId: r.custom_id,
  params: fromJson(r.params),
  state: r.state as BatchRequestState,
  attempts: Number(r.attempts),
});

/** Rows per INSERT: well under SQLite's bound-parameter limit. */
const INSERT_CHUNK = 500;

export class KyselyBatchRepository implements BatchRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private atomically<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
  }

  async create(b: BatchRecord, requests: NewBatchRequest[]): Promise<void> {
    await this.atomically(async (db) => {
      await db
        .insertInto('message_batches')
        .values({
          id: b.id,
          workspace_id: b.workspaceId,
          api_key_id: b.apiKeyId,
          betas: toJson(b.betas),
          processing_status: b.processingStatus,
          processing: requests.length,
          succeeded: 0,
          errored: 0,
          canceled: 0,
          expired: 0,
          created_at: b.createdAt,
          expires_at: b.expiresAt,
          ended_at: null,
          cancel_initiated_at: null,
        })
        .execute();
      for (let start = 0; start < requests.length; start += INSERT_CHUNK) {
        const rows = requests.slice(start, start + INSERT_CHUNK).map((r, i) => ({
          batch_id: b.id,
          idx: start + i,
          custom_id: r.customId,
          params: toJson(r.params),
          state: 'pending',
          attempts: 0,
          lease_owner: null,
          lease_expires_at: null,
          not_before: null,
          result: null,
        }));
        await db.insertInto('message_batch_requests').values(rows).execute();
      }
    });
  }

  async get(workspaceId: string, id: string): Promise<BatchRecord | undefined> {
    const row = await this.db
      .selectFrom('message_batches')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toBatch(row);
  }

  async find(id: string): Promise<BatchRecord | undefined> {
    const row = await this.db.selectFrom('message_batches').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toBatch(row);
  }

  async list(workspaceId: string, page: PageRequest): Promise<Page<BatchRecord>> {
    const q = this.db.selectFrom('message_batches').selectAll().where('workspace_id', '=', workspaceId);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toBatch);
  }

  async deleteEnded(id: string): Promise<boolean> {
    return this.atomically(async (db) => {
      const deleted = await db
        .deleteFrom('message_batches')
        .where('id', '=', id)
        .where('processing_status', '=', 'ended')
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await db.deleteFrom('message_batch_requests').where('batch_id', '=', id).execute();
      return true;
    });
  }

  async activeIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('message_batches').select('id').where('processing_status', '<>', 'ended').execute();
    return rows.map((r) => r.id);
  }

  async markCanceling(id: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('message_batches')
      .set({ processing_status: 'canceling', cancel_initiated_at: at })
      .where('id', '=', id)
      .where('processing_status', '=', 'in_progress')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async releaseOwned(owner: string): Promise<void> {
    await this.db
      .updateTable('message_batch_requests')
      .set({ state: 'pending', lease_owner: null, lease_expires_at: null })
      .where('state', '=', 'running')
      .where('lease_owner', '=', owner)
      .execute();
  }

  async claimNext(batchId: string, owner: string, now: string, leaseUntil: string): Promise<BatchRequestRecord | undefined> {
    const due = sql<boolean>`((state = 'pending' AND (not_before IS NULL OR not_before <= ${now}))
      OR (state = 'running' AND lease_expires_at < ${now}))`;
    const row = await this.db
      .updateTable('message_batch_requests')
      .set((eb) => ({
        state: 'running',
        lease_owner: owner,
        lease_expires_at: leaseUntil,
        attempts: eb('attempts', '+', 1),
      }))
      .where('batch_id', '=', batchId)
      .where('idx', '=', (eb) =>
        eb.selectFrom('message_batch_requests').select('idx').where('batch_id', '=', batchId).where(due).orderBy('idx').limit(1),
      )
      // Checked again on the row itself: another replica may have claimed it since the subquery ran.
      .where(due)
      .returningAll()
      .executeTakeFirst();
    return row && toRequest(row);
  }

  /** An update of one request that applies only while `owner` still holds its lease. */
  private leased(db: Kysely<Database>, batchId: string, index: number, owner: string) {
    return db
      .updateTable('message_batch_requests')
      .where('batch_id', '=', batchId)
      .where('idx', '=', index)
      .where('state', '=', 'running')
      .where('lease_owner', '=', owner);
  }

  async renewLease(batchId: string, index: number, owner: string, until: string): Promise<boolean> {
    const r = await this.leased(this.db, batchId, index, owner).set({ lease_expires_at: until }).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async finish(batchId: string, index: number, owner: string, type: BatchResultType, result: unknown): Promise<boolean> {
    return this.atomically(async (db) => {
      const r = await this.leased(db, batchId, index, owner)
        .set({ state: type, result: toJson(result), lease_owner: null, lease_expires_at: null, params: '{}' })
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await db
        .updateTable('message_batches')
        .set((eb) => ({ processing: eb('processing', '-', 1), [type]: eb(eb.ref(type), '+', 1) }))
        .where('id', '=', batchId)
        .execute();
      return true;
    });
  }

  async retryLater(batchId: string, index: number, owner: string, notBefore: string): Promise<boolean> {
    const r = await this.leased(this.db, batchId, index, owner)
      .set({ state: 'pending', lease_owner: null, lease_expires_at: null, not_before: notBefore })
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async settleUnfinished(batchId: string, type: 'canceled' | 'expired', running: SettleRunning): Promise<number> {
    return this.atomically(async (db) => {
      const r = await db
        .updateTable('message_batch_requests')
        .set({ state: type, result: toJson({ type }), lease_owner: null, lease_expires_at: null, params: '{}' })
        .where('batch_id', '=', batchId)
        .where((eb) =>
          running === 'all'
            ? eb('state', 'in', ['pending', 'running'])
            : eb.or([
                eb('state', '=', 'pending'),
                eb.and([eb('state', '=', 'running'), eb('lease_expires_at', '<', running.lapsedBefore)]),
              ]),
        )
        .executeTakeFirst();
      const n = Number(r.numUpdatedRows);
      if (n > 0) {
        await db
          .updateTable('message_batches')
          .set((eb) => ({ processing: eb('processing', '-', n), [type]: eb(eb.ref(type), '+', n) }))
          .where('id', '=', batchId)
          .execute();
      }
      return n;
    });
  }

  async endIfDone(id: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('message_batches')
      .set({ processing_status: 'ended', ended_at: at })
      .where('id', '=', id)
      .where('processing_status', '<>', 'ended')
      .where('processing', '=', 0)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async results(batchId: string, afterIndex: number, limit: number): Promise<BatchResultRow[]> {
    const rows = await this.db
      .selectFrom('message_batch_requests')
      .select(['idx', 'custom_id', 'result'])
      .where('batch_id', '=', batchId)
      .where('idx', '>', afterIndex)
      .orderBy('idx')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ index: Number(r.idx), customId: r.custom_id, result: r.result === null ? null : fromJson(r.result) }));
  }
}
