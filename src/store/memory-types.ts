// The repository of memory stores (the records belong to the domain: domain/records/memory-store.ts).
import type {
  ActorRef,
  MemoryHead,
  MemoryOperation,
  MemoryOrderBy,
  MemoryRecord,
  MemoryStoreRecord,
  MemoryVersionRecord,
} from '../domain/records/memory-store.js';
import type { CreatedAtFilter, Page, PageRequest } from './page.js';

export {
  ActorType,
  type ActorRef,
  type MemoryHead,
  type MemoryOperation,
  type MemoryOrderBy,
  type MemoryRecord,
  type MemoryStoreRecord,
  type MemoryVersionRecord,
} from '../domain/records/memory-store.js';

export interface MemoryStoreFilter {
  includeArchived: boolean;
  createdAt: CreatedAtFilter;
}

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
  /** Bumped by every memory write (lockStore): unchanged means the store's memories are too. */
  writeRevision(id: string): Promise<number | undefined>;

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
