// Table shapes of memory stores (migration 070).
export interface MemoryStoresTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  metadata: string;
  /** Bumped by every memory write: the row lock that serialises a store's writers. */
  write_revision: number;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface MemoriesTable {
  id: string;
  memory_store_id: string;
  path: string;
  content: string;
  content_sha256: string;
  content_size_bytes: number;
  memory_version_id: string;
  created_at: string;
  updated_at: string;
}

export interface MemoryVersionsTable {
  id: string;
  memory_store_id: string;
  memory_id: string;
  operation: string;
  path: string | null;
  content: string | null;
  content_sha256: string | null;
  content_size_bytes: number | null;
  actor_type: string | null;
  actor_id: string | null;
  created_at: string;
  redacted_at: string | null;
  redacted_by_type: string | null;
  redacted_by_id: string | null;
}

export interface SessionMemoryStoresTable {
  session_id: string;
  memory_store_id: string;
}
