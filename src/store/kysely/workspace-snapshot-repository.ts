// Workspace snapshot rows (store/workspace-snapshot-types.ts); the bytes are blobs.
import type { Kysely, Selectable } from 'kysely';
import type { WorkspaceSnapshotRecord, WorkspaceSnapshotRepository } from '../workspace-snapshot-types.js';
import type { Database, WorkspaceSnapshotsTable } from './schema.js';

const toRecord = (r: Selectable<WorkspaceSnapshotsTable>): WorkspaceSnapshotRecord => ({
  sessionId: r.session_id,
  generation: Number(r.generation),
  kind: r.kind,
  blobKey: r.blob_key,
  bytes: Number(r.bytes),
  entries: Number(r.entries),
  treeBytes: Number(r.tree_bytes),
  deleted: JSON.parse(r.deleted) as string[],
  eventSeq: Number(r.event_seq),
  createdAt: r.created_at,
});

export class KyselyWorkspaceSnapshotRepository implements WorkspaceSnapshotRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(sessionId: string): Promise<WorkspaceSnapshotRecord[]> {
    const rows = await this.db.selectFrom('workspace_snapshots').selectAll().where('session_id', '=', sessionId).orderBy('generation', 'asc').execute();
    return rows.map(toRecord);
  }

  async insert(r: WorkspaceSnapshotRecord): Promise<void> {
    await this.db
      .insertInto('workspace_snapshots')
      .values({
        session_id: r.sessionId,
        generation: r.generation,
        kind: r.kind,
        blob_key: r.blobKey,
        bytes: r.bytes,
        entries: r.entries,
        tree_bytes: r.treeBytes,
        deleted: JSON.stringify(r.deleted),
        event_seq: r.eventSeq,
        created_at: r.createdAt,
      })
      .execute();
  }

  async deleteBefore(sessionId: string, generation: number): Promise<WorkspaceSnapshotRecord[]> {
    const rows = await this.db
      .deleteFrom('workspace_snapshots')
      .where('session_id', '=', sessionId)
      .where('generation', '<', generation)
      .returningAll()
      .execute();
    return rows.map(toRecord);
  }

  async deleteAll(sessionId: string): Promise<WorkspaceSnapshotRecord[]> {
    const rows = await this.db.deleteFrom('workspace_snapshots').where('session_id', '=', sessionId).returningAll().execute();
    return rows.map(toRecord);
  }
}
