// Memory stores, memories and memory versions.
import type { Kysely, Selectable } from 'kysely';
import { ancestorPaths, subtreeEnd } from '../../domain/memory-path.js';
import type {
  ActorRef,
  ActorType,
  MemoryHead,
  MemoryOperation,
  MemoryRecord,
  MemoryScan,
  MemoryStoreFilter,
  MemoryStoreRecord,
  MemoryStoreRepository,
  MemoryVersionFilter,
  MemoryVersionRecord,
} from '../memory-types.js';
import type { Page, PageRequest } from '../types.js';
import type { Database } from './schema.js';
import type { MemoriesTable, MemoryStoresTable, MemoryVersionsTable } from './memory-schema.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage, whereCreatedAt } from './paging.js';

const toStore = (r: Selectable<MemoryStoresTable>): MemoryStoreRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  description: r.description,
  metadata: fromJson(r.metadata),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  archivedAt: r.archived_at,
});

const HEAD_COLUMNS = [
  'id',
  'memory_store_id',
  'path',
  'content_sha256',
  'content_size_bytes',
  'memory_version_id',
  'created_at',
  'updated_at',
] as const;

const toMemory = (r: Omit<Selectable<MemoriesTable>, 'content'> & { content?: string }): MemoryHead => ({
  id: r.id,
  storeId: r.memory_store_id,
  path: r.path,
  ...(r.content !== undefined ? { content: r.content } : {}),
  contentSha256: r.content_sha256,
  contentSizeBytes: Number(r.content_size_bytes),
  versionId: r.memory_version_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const memoryRow = (m: MemoryRecord) => ({
  id: m.id,
  memory_store_id: m.storeId,
  path: m.path,
  content: m.content,
  content_sha256: m.contentSha256,
  content_size_bytes: m.contentSizeBytes,
  memory_version_id: m.versionId,
  created_at: m.createdAt,
  updated_at: m.updatedAt,
});

const actorOf = (type: string | null, id: string | null): ActorRef | null =>
  type !== null && id !== null ? { type: type as ActorType, id } : null;

const toVersion = (r: Selectable<MemoryVersionsTable>): MemoryVersionRecord => ({
  id: r.id,
  storeId: r.memory_store_id,
  memoryId: r.memory_id,
  operation: r.operation as MemoryOperation,
  path: r.path,
  content: r.content,
  contentSha256: r.content_sha256,
  contentSizeBytes: r.content_size_bytes === null ? null : Number(r.content_size_bytes),
  createdBy: actorOf(r.actor_type, r.actor_id),
  createdAt: r.created_at,
  redactedAt: r.redacted_at,
  redactedBy: actorOf(r.redacted_by_type, r.redacted_by_id),
});

/** Splits a time-order key `<timestamp> <id>`. */
function timeKey(key: string): [string, string] {
  const space = key.indexOf(' ');
  return [key.slice(0, space), key.slice(space + 1)];
}

export class KyselyMemoryStoreRepository implements MemoryStoreRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertStore(s: MemoryStoreRecord): Promise<void> {
    await this.db
      .insertInto('memory_stores')
      .values({
        id: s.id,
        workspace_id: s.workspaceId,
        name: s.name,
        description: s.description,
        metadata: toJson(s.metadata),
        write_revision: 0,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
        archived_at: s.archivedAt,
      })
      .execute();
  }

  async getStore(workspaceId: string, id: string): Promise<MemoryStoreRecord | undefined> {
    const row = await this.db
      .selectFrom('memory_stores')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toStore(row);
  }

  async findStore(id: string): Promise<MemoryStoreRecord | undefined> {
    const row = await this.db.selectFrom('memory_stores').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toStore(row);
  }

  async updateStore(s: MemoryStoreRecord): Promise<void> {
    await this.db
      .updateTable('memory_stores')
      .set({
        name: s.name,
        description: s.description,
        metadata: toJson(s.metadata),
        updated_at: s.updatedAt,
        archived_at: s.archivedAt,
      })
      .where('id', '=', s.id)
      .execute();
  }

  async deleteStore(id: string): Promise<void> {
    await this.db.deleteFrom('memory_versions').where('memory_store_id', '=', id).execute();
    await this.db.deleteFrom('memories').where('memory_store_id', '=', id).execute();
    await this.db.deleteFrom('memory_stores').where('id', '=', id).execute();
  }

  async listStores(workspaceId: string, filter: MemoryStoreFilter, page: PageRequest): Promise<Page<MemoryStoreRecord>> {
    let q = this.db.selectFrom('memory_stores').selectAll().where('workspace_id', '=', workspaceId);
    if (!filter.includeArchived) q = q.where('archived_at', 'is', null);
    q = whereCreatedAt(q, 'created_at', filter.createdAt);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toStore);
  }

  async lockStore(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('memory_stores')
      .set((eb) => ({ write_revision: eb('write_revision', '+', 1) }))
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async writeRevision(id: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('memory_stores').select('write_revision').where('id', '=', id).executeTakeFirst();
    return row && Number(row.write_revision);
  }

  async getMemory(storeId: string, id: string): Promise<MemoryRecord | undefined> {
    const row = await this.db
      .selectFrom('memories')
      .selectAll()
      .where('memory_store_id', '=', storeId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && (toMemory(row) as MemoryRecord);
  }

  async findOverlap(storeId: string, path: string, exceptId?: string): Promise<MemoryHead | undefined> {
    const dir = path + '/';
    let q = this.db
      .selectFrom('memories')
      .select(HEAD_COLUMNS)
      .where('memory_store_id', '=', storeId)
      .where((eb) =>
        eb.or([
          eb('path', 'in', [path, ...ancestorPaths(path)]),
          eb.and([eb('path', '>=', dir), eb('path', '<', subtreeEnd(dir))]),
        ]),
      );
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    // The exact path first: it is the conflict a client most likely means.
    const rows = await q.orderBy('path').limit(32).execute();
    const row = rows.find((r) => r.path === path) ?? rows[0];
    return row && toMemory(row);
  }

  async countMemories(storeId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memories')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('memory_store_id', '=', storeId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertMemory(m: MemoryRecord): Promise<void> {
    await this.db.insertInto('memories').values(memoryRow(m)).execute();
  }

  async updateMemory(m: MemoryRecord): Promise<void> {
    const { id, memory_store_id, created_at, ...changes } = memoryRow(m);
    await this.db.updateTable('memories').set(changes).where('id', '=', id).execute();
  }

  async deleteMemory(id: string): Promise<void> {
    await this.db.deleteFrom('memories').where('id', '=', id).execute();
  }

  async scanMemories(storeId: string, scan: MemoryScan): Promise<MemoryHead[]> {
    let q = this.db
      .selectFrom('memories')
      .select(scan.withContent ? [...HEAD_COLUMNS, 'content'] : HEAD_COLUMNS)
      .where('memory_store_id', '=', storeId)
      .where('path', '>=', scan.prefix)
      .where('path', '<', subtreeEnd(scan.prefix));
    const asc = scan.order === 'asc';
    if (scan.orderBy === 'path') {
      const key = scan.after;
      if (key !== undefined) {
        // Past a directory key (asc): skip everything below it in one bound.
        q = asc ? (key.endsWith('/') ? q.where('path', '>=', subtreeEnd(key)) : q.where('path', '>', key)) : q.where('path', '<', key);
      }
      q = q.orderBy('path', scan.order);
    } else {
      const column = scan.orderBy;
      if (scan.after !== undefined) {
        const [time, id] = timeKey(scan.after);
        const cmp = asc ? '>' : '<';
        q = q.where((eb) => eb.or([eb(column, cmp, time), eb.and([eb(column, '=', time), eb('id', cmp, id)])]));
      }
      q = q.orderBy(column, scan.order).orderBy('id', scan.order);
    }
    return (await q.limit(scan.limit).execute()).map((r) => toMemory(r as Parameters<typeof toMemory>[0]));
  }

  async insertVersion(v: MemoryVersionRecord): Promise<void> {
    await this.db
      .insertInto('memory_versions')
      .values({
        id: v.id,
        memory_store_id: v.storeId,
        memory_id: v.memoryId,
        operation: v.operation,
        path: v.path,
        content: v.content,
        content_sha256: v.contentSha256,
        content_size_bytes: v.contentSizeBytes,
        actor_type: v.createdBy?.type ?? null,
        actor_id: v.createdBy?.id ?? null,
        created_at: v.createdAt,
        redacted_at: v.redactedAt,
        redacted_by_type: v.redactedBy?.type ?? null,
        redacted_by_id: v.redactedBy?.id ?? null,
      })
      .execute();
  }

  async getVersion(storeId: string, id: string): Promise<MemoryVersionRecord | undefined> {
    const row = await this.db
      .selectFrom('memory_versions')
      .selectAll()
      .where('memory_store_id', '=', storeId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toVersion(row);
  }

  async listVersions(storeId: string, filter: MemoryVersionFilter, page: PageRequest): Promise<Page<MemoryVersionRecord>> {
    let q = this.db.selectFrom('memory_versions').selectAll().where('memory_store_id', '=', storeId);
    if (filter.memoryId !== undefined) q = q.where('memory_id', '=', filter.memoryId);
    if (filter.operation !== undefined) q = q.where('operation', '=', filter.operation);
    if (filter.actor !== undefined) q = q.where('actor_type', '=', filter.actor.type).where('actor_id', '=', filter.actor.id);
    q = whereCreatedAt(q, 'created_at', filter.createdAt);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toVersion);
  }

  async redactVersion(storeId: string, id: string, at: string, by: ActorRef): Promise<void> {
    await this.db
      .updateTable('memory_versions')
      .set({
        path: null,
        content: null,
        content_sha256: null,
        content_size_bytes: null,
        redacted_at: at,
        redacted_by_type: by.type,
        redacted_by_id: by.id,
      })
      .where('memory_store_id', '=', storeId)
      .where('id', '=', id)
      .execute();
  }

  async attachToSession(sessionId: string, storeIds: readonly string[]): Promise<void> {
    if (storeIds.length === 0) return;
    await this.db
      .insertInto('session_memory_stores')
      .values(storeIds.map((id) => ({ session_id: sessionId, memory_store_id: id })))
      .execute();
  }
}
