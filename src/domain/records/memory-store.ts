// Memory store records: stores, their memories (one text document per path) and every memory's
// immutable versions with who made them.
export interface MemoryStoreRecord {
  id: string;
  workspaceId: string;
  name: string;
  /** Empty string when unset (as the wire shows it). */
  description: string;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export interface MemoryRecord {
  id: string;
  storeId: string;
  path: string;
  content: string;
  contentSha256: string;
  contentSizeBytes: number;
  /** The version holding the current content. */
  versionId: string;
  createdAt: string;
  updatedAt: string;
}

/** A memory without its content (what listings and sync diffs need). */
export type MemoryHead = Omit<MemoryRecord, 'content'> & { content?: string };

/** Who made a change: the SDK's actor types, stored as type + id. */
export const ActorType = {
  api: 'api_actor',
  session: 'session_actor',
  user: 'user_actor',
  serviceAccount: 'service_account_actor',
} as const;
export type ActorType = (typeof ActorType)[keyof typeof ActorType];

export interface ActorRef {
  type: ActorType;
  /** `apikey_…`, `sesn_…`, `user_…` or `svac_…`. */
  id: string;
}

export type MemoryOperation = 'created' | 'modified' | 'deleted';

export interface MemoryVersionRecord {
  id: string;
  storeId: string;
  memoryId: string;
  operation: MemoryOperation;
  /** Null once redacted. */
  path: string | null;
  /** Null for a deletion, and once redacted. */
  content: string | null;
  contentSha256: string | null;
  contentSizeBytes: number | null;
  createdBy: ActorRef | null;
  createdAt: string;
  redactedAt: string | null;
  redactedBy: ActorRef | null;
}

/** How a memory listing is sorted. */
export type MemoryOrderBy = 'path' | 'created_at' | 'updated_at';
