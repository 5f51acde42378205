// Store records and the repository of memory stores: stores, their memories (one text document
// per path) and every memory's immutable versions.
import type { CreatedAtFilter, Page, PageRequest } from './types.js';

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

export interface MemoryStoreFilter {
  includeArchived: boolean;
  createdAt: CreatedAtFilter;
}

export type MemoryOrderBy = 'path' | 'created_at' | 'updated_at';

/**
 * One ordered run of a store's memories under `prefix`. `after` is the sort key of the last item
 * already seen: a path for `path` order (a key ending in "/" is a directory, skipped whole), or
 * `<timestamp> <id>` for the time orders.
 */
export interface MemoryScan {
  prefix: string;
  orderBy: MemoryOrderBy;
  order: 'asc' | 'desc';
  after?: string | undefined;
  limit: number;
  withContent: boolean;
}

export interface MemoryVersionFilter {
  memoryId?: string | undefined;
  operation?: MemoryOperation | undefined;
  actor?: ActorRef | undefined;
  createdAt: CreatedAtFilter;
}

export interface MemoryStoreRepository {
  insertStore(store: MemoryStoreRecord): Promise<void>;
  getStore(workspaceId: string, id: string): Promise<MemoryStoreRecord | undefined>;
  /** By id alone (a session's write-back works across workspaces like the engine). */
  findStore(id: string): Promise<MemoryStoreRecord | undefined>;
  updateStore(store: MemoryStoreRecord): Promise<void>;
  /** Deletes the store with all its memories and versions. */
  deleteStore(id: string): Promise<void>;
  listStores(workspaceId: string, filter: MemoryStoreFilter, page: PageRequest): Promise<Page<MemoryStoreRecord>>;
  /**
   * Inside a transaction: makes concurrent writers of one store wait for each other (a row lock on
   * PostgreSQL; SQLite has one writer). False when the store does not exist.
   */
  lockStore(id: string): Promise<boolean>;

  getMemory(storeId: string, id: string): Promise<MemoryRecord | undefined>;
  /** A memory at `path`, at an ancestor of it, or below it (paths may not overlap), other than `exceptId`. */
  findOverlap(storeId: string, path: string, exceptId?: string): Promise<MemoryHead | undefined>;
  countMemories(storeId: string): Promise<number>;
  insertMemory(memory: MemoryRecord): Promise<void>;
  updateMemory(memory: MemoryRecord): Promise<void>;
  deleteMemory(id: string): Promise<void>;
  scanMemories(storeId: string, scan: MemoryScan): Promise<MemoryHead[]>;

  insertVersion(version: MemoryVersionRecord): Promise<void>;
  getVersion(storeId: string, id: string): Promise<MemoryVersionRecord | undefined>;
  /** Newest first (or oldest first with order asc), paged by id. */
  listVersions(storeId: string, filter: MemoryVersionFilter, page: PageRequest): Promise<Page<MemoryVersionRecord>>;
  /** Blanks a version's path and content for good. */
  redactVersion(storeId: string, id: string, at: string, by: ActorRef): Promise<void>;

  /** Records which stores a session mounts (memory stores attach at creation only). */
  attachToSession(sessionId: string, storeIds: readonly string[]): Promise<void>;
}
