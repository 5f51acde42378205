// Workspace snapshots of sessions: one row per base or layer whose bytes are in the blob store
// (see sandbox/workspace/workspace-snapshots.ts and docs/scaling.md).

export interface WorkspaceSnapshotRecord {
  sessionId: string;
  /** 1, 2, …: each snapshot of a session gets the next; a restore applies the latest base and the layers after it. */
  generation: number;
  kind: 'base' | 'layer';
  /** The blob holding the compressed tar of the entries written. */
  blobKey: string;
  /** Compressed bytes of the blob. */
  bytes: number;
  /** Entries in the tar. */
  entries: number;
  /** Bytes of all files of the workspace at this snapshot (uncompressed). */
  treeBytes: number;
  /** Paths removed since the previous snapshot (applied before the layer's entries); empty for a base. */
  deleted: string[];
  /** The session's event sequence number the workspace was taken at (its log's last event then). */
  eventSeq: number;
  createdAt: string;
}

export interface WorkspaceSnapshotRepository {
  /** The session's snapshots, oldest first. */
  list(sessionId: string): Promise<WorkspaceSnapshotRecord[]>;
  insert(record: WorkspaceSnapshotRecord): Promise<void>;
  /** Deletes the session's snapshots older than `generation`; returns them (their blobs are the caller's to remove). */
  deleteBefore(sessionId: string, generation: number): Promise<WorkspaceSnapshotRecord[]>;
  /** Deletes every snapshot of the session; returns them. */
  deleteAll(sessionId: string): Promise<WorkspaceSnapshotRecord[]>;
}
