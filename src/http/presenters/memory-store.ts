// Memory store records → the wire `BetaManagedAgentsMemoryStore`, `…Memory`, `…MemoryPrefix`, `…MemoryVersion`.
import type { Actor, Memory, MemoryListItem, MemoryStore, MemoryVersion, MemoryView } from '../../api/memory-wire.js';
import type { ListedItem } from '../../domain/memory-listing.js';
import type { ActorRef, MemoryHead, MemoryStoreRecord, MemoryVersionRecord } from '../../store/memory-types.js';

export function presentMemoryStore(s: MemoryStoreRecord): MemoryStore {
  return {
    type: 'memory_store',
    id: s.id,
    name: s.name,
    description: s.description,
    metadata: s.metadata,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    archived_at: s.archivedAt,
  };
}

export function presentMemory(m: MemoryHead, view: MemoryView): Memory {
  return {
    type: 'memory',
    id: m.id,
    memory_store_id: m.storeId,
    path: m.path,
    content: view === 'full' ? (m.content ?? null) : null,
    content_sha256: m.contentSha256,
    content_size_bytes: m.contentSizeBytes,
    memory_version_id: m.versionId,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

export const presentListedItem = (item: ListedItem, view: MemoryView): MemoryListItem =>
  item.type === 'memory' ? presentMemory(item.memory, view) : { type: 'memory_prefix', path: item.path };

export function presentActor(a: ActorRef): Actor {
  switch (a.type) {
    case 'api_actor':
      return { type: a.type, api_key_id: a.id };
    case 'session_actor':
      return { type: a.type, session_id: a.id };
    case 'user_actor':
      return { type: a.type, user_id: a.id };
    case 'service_account_actor':
      return { type: a.type, service_account_id: a.id };
  }
}

export function presentMemoryVersion(v: MemoryVersionRecord, view: MemoryView): MemoryVersion {
  return {
    type: 'memory_version',
    id: v.id,
    memory_store_id: v.storeId,
    memory_id: v.memoryId,
    operation: v.operation,
    path: v.path,
    content: view === 'full' ? v.content : null,
    content_sha256: v.contentSha256,
    content_size_bytes: v.contentSizeBytes,
    // The SDK documents null for "not recorded" / "not redacted" (its types say optional).
    created_by: (v.createdBy ? presentActor(v.createdBy) : null) as Actor,
    created_at: v.createdAt,
    redacted_at: v.redactedAt,
    redacted_by: (v.redactedBy ? presentActor(v.redactedBy) : null) as Actor,
  };
}
