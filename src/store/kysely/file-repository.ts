// File metadata (the bytes live in the blob directory).
import type { Kysely, Selectable } from 'kysely';
import type { FileRecord, FileRepository, Page, PageRequest } from '../types.js';
import type { Database, FilesTable } from './schema.js';
import { pageQuery, toPage } from './paging.js';

const toRecord = (r: Selectable<FilesTable>): FileRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  filename: r.filename,
  mimeType: r.mime_type,
  sizeBytes: Number(r.size_bytes),
  scopeSessionId: r.scope_session_id,
  downloadable: Number(r.downloadable) === 1,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export class KyselyFileRepository implements FileRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(f: FileRecord): Promise<void> {
    await this.db
      .insertInto('files')
      .values({
        id: f.id,
        workspace_id: f.workspaceId,
        filename: f.filename,
        mime_type: f.mimeType,
        size_bytes: f.sizeBytes,
        scope_session_id: f.scopeSessionId,
        downloadable: f.downloadable ? 1 : 0,
        created_at: f.createdAt,
        expires_at: f.expiresAt,
      })
      .execute();
  }

  async get(workspaceId: string, id: string): Promise<FileRecord | undefined> {
    const row = await this.db
      .selectFrom('files')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('files').where('id', '=', id).execute();
  }

  async deleteByScope(sessionId: string): Promise<FileRecord[]> {
    const rows = await this.db.selectFrom('files').selectAll().where('scope_session_id', '=', sessionId).execute();
    await this.db.deleteFrom('files').where('scope_session_id', '=', sessionId).execute();
    return rows.map(toRecord);
  }

  async list(
    workspaceId: string,
    filter: { scopeSessionId?: string | undefined; ids?: string[] | undefined },
    page: PageRequest,
  ): Promise<Page<FileRecord>> {
    let q = this.db.selectFrom('files').selectAll().where('workspace_id', '=', workspaceId);
    if (filter.scopeSessionId !== undefined) q = q.where('scope_session_id', '=', filter.scopeSessionId);
    if (filter.ids && filter.ids.length > 0) q = q.where('id', 'in', filter.ids);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toRecord);
  }
}
