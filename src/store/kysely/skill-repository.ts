// Skills and their versions.
import type { Kysely, Selectable } from 'kysely';
import { UniqueViolationError } from '../errors.js';
import type { PinnedSkill, SkillFileEntry, SkillRecord, SkillRepository, SkillVersionRecord } from '../skill-types.js';
import type { Page, PageRequest } from '../types.js';
import type { Database } from './schema.js';
import type { SkillsTable, SkillVersionsTable } from './skill-schema.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage } from './paging.js';
import { isUniqueViolation } from './unique-violation.js';

const toSkill = (r: Selectable<SkillsTable>): SkillRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  displayName: r.display_name,
  name: r.name,
  latestVersionId: r.latest_version_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toVersion = (r: Selectable<SkillVersionsTable>): SkillVersionRecord => ({
  skillId: r.skill_id,
  id: r.id,
  name: r.name,
  description: r.description,
  files: fromJson<SkillFileEntry[]>(r.files),
  sizeBytes: Number(r.size_bytes),
  createdAt: r.created_at,
});

const versionRow = (v: SkillVersionRecord) => ({
  skill_id: v.skillId,
  id: v.id,
  name: v.name,
  description: v.description,
  files: toJson(v.files),
  size_bytes: v.sizeBytes,
  created_at: v.createdAt,
});

export class KyselySkillRepository implements SkillRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: SkillRecord, v: SkillVersionRecord): Promise<void> {
    await this.db
      .insertInto('skills')
      .values({
        id: s.id,
        workspace_id: s.workspaceId,
        display_name: s.displayName,
        name: s.name,
        latest_version_id: s.latestVersionId,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
      })
      .execute();
    await this.db.insertInto('skill_versions').values(versionRow(v)).execute();
  }

  async get(workspaceId: string, id: string): Promise<SkillRecord | undefined> {
    const row = await this.db
      .selectFrom('skills')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toSkill(row);
  }

  async list(workspaceId: string, page: PageRequest): Promise<Page<SkillRecord>> {
    const q = this.db.selectFrom('skills').selectAll().where('workspace_id', '=', workspaceId);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toSkill);
  }

  async delete(id: string): Promise<SkillVersionRecord[]> {
    const rows = await this.db.selectFrom('skill_versions').selectAll().where('skill_id', '=', id).execute();
    await this.db.deleteFrom('skill_versions').where('skill_id', '=', id).execute();
    await this.db.deleteFrom('skills').where('id', '=', id).execute();
    return rows.map(toVersion);
  }

  async addVersion(v: SkillVersionRecord, at: string): Promise<void> {
    await this.db
      .insertInto('skill_versions')
      .values(versionRow(v))
      .execute()
      .catch((err: unknown) => {
        // The version id is the primary key (SQLite reports that violation under its own code).
        const taken = isUniqueViolation(err) || (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
        throw taken ? new UniqueViolationError('skill_versions_pk', { cause: err }) : err;
      });
    await this.db.updateTable('skills').set({ latest_version_id: v.id, updated_at: at }).where('id', '=', v.skillId).execute();
  }

  async getVersion(skillId: string, id: string): Promise<SkillVersionRecord | undefined> {
    const row = await this.db
      .selectFrom('skill_versions')
      .selectAll()
      .where('skill_id', '=', skillId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toVersion(row);
  }

  async listVersions(skillId: string, page: PageRequest): Promise<Page<SkillVersionRecord>> {
    const q = this.db.selectFrom('skill_versions').selectAll().where('skill_id', '=', skillId);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toVersion);
  }

  async deleteVersion(skillId: string, id: string, at: string): Promise<boolean> {
    // Touching the skill first takes its row lock: concurrent deletes of its last two versions
    // cannot both see two left.
    await this.db.updateTable('skills').set({ updated_at: at }).where('id', '=', skillId).execute();
    const remaining = await this.db
      .selectFrom('skill_versions')
      .select('id')
      .where('skill_id', '=', skillId)
      .orderBy('id', 'desc')
      .limit(3)
      .execute();
    if (remaining.length < 2 || !remaining.some((r) => r.id === id)) return false;
    await this.db.deleteFrom('skill_versions').where('skill_id', '=', skillId).where('id', '=', id).execute();
    const newest = remaining.find((r) => r.id !== id)!;
    await this.db.updateTable('skills').set({ latest_version_id: newest.id }).where('id', '=', skillId).execute();
    return true;
  }

  async pinForSession(sessionId: string, skills: readonly PinnedSkill[]): Promise<void> {
    if (skills.length === 0) return;
    await this.db
      .insertInto('session_skills')
      .values(
        skills.map((s, position) => ({
          session_id: sessionId,
          position,
          skill_id: s.skillId,
          version_id: s.versionId,
          name: s.name,
          description: s.description,
        })),
      )
      .execute();
  }

  async pinnedForSession(sessionId: string): Promise<PinnedSkill[]> {
    const rows = await this.db.selectFrom('session_skills').selectAll().where('session_id', '=', sessionId).orderBy('position').execute();
    return rows.map((r) => ({ skillId: r.skill_id, versionId: r.version_id, name: r.name, description: r.description }));
  }
}
