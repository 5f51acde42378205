// Environments. A name already taken in the workspace surfaces as UniqueViolationError.
import type { Kysely, Selectable } from 'kysely';
import type { EnvironmentRecord, EnvironmentRepository, Page, PageRequest } from '../types.js';
import type { Database, EnvironmentsTable } from './schema.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage } from './paging.js';
import { UniqueViolationError } from '../errors.js';
import { isUniqueViolation } from './unique-violation.js';

/** The only unique key besides the id: names are unique per workspace. */
const NAME_CONSTRAINT = 'environments_workspace_name';

const asNameConflict = (err: unknown): never => {
  throw isUniqueViolation(err) ? new UniqueViolationError(NAME_CONSTRAINT, { cause: err }) : err;
};

const toRecord = (r: Selectable<EnvironmentsTable>): EnvironmentRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  description: r.description,
  config: fromJson(r.config),
  metadata: fromJson(r.metadata),
  scope: r.scope as EnvironmentRecord['scope'],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  archivedAt: r.archived_at,
});

const toRow = (e: EnvironmentRecord) => ({
  id: e.id,
  workspace_id: e.workspaceId,
  name: e.name,
  description: e.description,
  config: toJson(e.config),
  metadata: toJson(e.metadata),
  scope: e.scope ?? null,
  created_at: e.createdAt,
  updated_at: e.updatedAt,
  archived_at: e.archivedAt,
});

export class KyselyEnvironmentRepository implements EnvironmentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(e: EnvironmentRecord): Promise<void> {
    await this.db.insertInto('environments').values(toRow(e)).execute().catch(asNameConflict);
  }

  async get(workspaceId: string, id: string): Promise<EnvironmentRecord | undefined> {
    const row = await this.db
      .selectFrom('environments')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async getByName(workspaceId: string, name: string): Promise<EnvironmentRecord | undefined> {
    const row = await this.db
      .selectFrom('environments')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async update(e: EnvironmentRecord): Promise<void> {
    const { id, workspace_id, created_at, ...changes } = toRow(e);
    await this.db.updateTable('environments').set(changes).where('id', '=', id).execute().catch(asNameConflict);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('environments').where('id', '=', id).execute();
  }

  async list(workspaceId: string, filter: { includeArchived: boolean }, page: PageRequest): Promise<Page<EnvironmentRecord>> {
    let q = this.db.selectFrom('environments').selectAll().where('workspace_id', '=', workspaceId);
    if (!filter.includeArchived) q = q.where('archived_at', 'is', null);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toRecord);
  }
}
