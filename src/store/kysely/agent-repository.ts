// Agents and their immutable versions.
import type { Kysely, Selectable } from 'kysely';
import type { AgentRecord, AgentRepository, AgentSnapshot, AgentVersionRecord, Page, PageRequest } from '../types.js';
import type { AgentsTable, AgentVersionsTable, Database } from './schema.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage, whereCreatedAt } from './paging.js';

const toRecord = (r: Selectable<AgentsTable>): AgentRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  version: Number(r.version),
  snapshot: fromJson<AgentSnapshot>(r.snapshot),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  archivedAt: r.archived_at,
});

const toVersion = (r: Selectable<AgentVersionsTable>): AgentVersionRecord => ({
  agentId: r.agent_id,
  version: Number(r.version),
  snapshot: fromJson<AgentSnapshot>(r.snapshot),
  createdAt: r.created_at,
});

export class KyselyAgentRepository implements AgentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(a: AgentRecord): Promise<void> {
    const snapshot = toJson(a.snapshot);
    await this.db
      .insertInto('agents')
      .values({
        id: a.id,
        workspace_id: a.workspaceId,
        version: a.version,
        snapshot,
        created_at: a.createdAt,
        updated_at: a.updatedAt,
        archived_at: a.archivedAt,
      })
      .execute();
    await this.db
      .insertInto('agent_versions')
      .values({ agent_id: a.id, version: a.version, snapshot, created_at: a.updatedAt })
      .execute();
  }

  async get(workspaceId: string, id: string): Promise<AgentRecord | undefined> {
    const row = await this.db
      .selectFrom('agents')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async getVersion(agentId: string, version: number): Promise<AgentVersionRecord | undefined> {
    const row = await this.db
      .selectFrom('agent_versions')
      .selectAll()
      .where('agent_id', '=', agentId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row && toVersion(row);
  }

  async addVersion(a: AgentRecord, expectedVersion: number): Promise<boolean> {
    const snapshot = toJson(a.snapshot);
    // Compare-and-set on the current version: concurrent updates cannot both win.
    const result = await this.db
      .updateTable('agents')
      .set({ version: a.version, snapshot, updated_at: a.updatedAt })
      .where('id', '=', a.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await this.db
      .insertInto('agent_versions')
      .values({ agent_id: a.id, version: a.version, snapshot, created_at: a.updatedAt })
      .execute();
    return true;
  }

  async archive(id: string, at: string): Promise<void> {
    await this.db.updateTable('agents').set({ archived_at: at, updated_at: at }).where('id', '=', id).execute();
  }

  async list(
    workspaceId: string,
    filter: Parameters<AgentRepository['list']>[1],
    page: PageRequest,
  ): Promise<Page<AgentRecord>> {
    let q = this.db.selectFrom('agents').selectAll().where('workspace_id', '=', workspaceId);
    if (!filter.includeArchived) q = q.where('archived_at', 'is', null);
    q = whereCreatedAt(q, 'created_at', filter.createdAt);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toRecord);
  }

  async listVersions(agentId: string, page: PageRequest<number>): Promise<Page<AgentVersionRecord>> {
    const q = this.db.selectFrom('agent_versions').selectAll().where('agent_id', '=', agentId);
    return toPage(await pageQuery(q, 'version', page).execute(), page, toVersion);
  }
}
