// Memory version use cases: read the history and redact a version's content for good.
import { memoryConflict, notFound } from '../../errors.js';
import type { ActorRef, MemoryVersionRecord } from '../../store/memory-types.js';
import type { Store } from '../../store/types.js';
import { getMemoryStore } from './memory-stores.js';
import type { MemoryDeps } from './memories.js';

export async function getMemoryVersion(store: Store, workspaceId: string, storeId: string, id: string): Promise<MemoryVersionRecord> {
  await getMemoryStore(store, workspaceId, storeId);
  const version = await store.memoryStores.getVersion(storeId, id);
  if (!version) throw notFound(`memory version ${id} not found in memory store ${storeId}`);
  return version;
}

/**
 * Blanks a version's path and content (allowed in archived stores). The version that holds a
 * memory's current content cannot be redacted: the memory would still show it.
 */
export async function redactMemoryVersion(
  deps: MemoryDeps,
  workspaceId: string,
  storeId: string,
  id: string,
  actor: ActorRef,
): Promise<MemoryVersionRecord> {
  return deps.store.transaction(async (tx) => {
    const version = await getMemoryVersion(tx, workspaceId, storeId, id);
    if (version.redactedAt) return version;
    await tx.memoryStores.lockStore(storeId);
    const memory = await tx.memoryStores.getMemory(storeId, version.memoryId);
    if (memory?.versionId === id) {
      throw memoryConflict(
        `memory version ${id} holds the current content of memory ${memory.id}; update or delete the memory first, then redact this version`,
      );
    }
    const at = deps.now();
    await tx.memoryStores.redactVersion(storeId, id, at, actor);
    return {
      ...version,
      path: null,
      content: null,
      contentSha256: null,
      contentSizeBytes: null,
      redactedAt: at,
      redactedBy: actor,
    };
  });
}
