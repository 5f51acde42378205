// Memory stores attached to a new session (they attach at creation only): each must exist in the
// workspace, not be archived and appear once; each gets its mount path under /mnt/memory.
import type { z } from 'zod';
import type { MemoryStoreResource } from '../../api/memory-wire.js';
import type { sessionResourceParam } from '../../api/schemas/session.js';
import { MEMORY_MOUNT_ROOT, memoryStoreSlug } from '../../domain/memory-path.js';
import { invalidRequest } from '../../errors.js';
import type { Store, StoredResource } from '../../store/types.js';

export const MEMORY_STORES_PER_SESSION_MAX = 8;

type MemoryStoreParam = Extract<z.infer<typeof sessionResourceParam>, { type: 'memory_store' }>;

export interface MemoryStoreParamAt {
  param: MemoryStoreParam;
  /** The request field of this param, e.g. `resources[2]`. */
  field: string;
}

/** `/mnt/memory/<slug>`, with `-2`, `-3`… when another store of the session already has the slug. */
function mountPathFor(name: string, storeId: string, taken: Set<string>): string {
  const base = memoryStoreSlug(name) || memoryStoreSlug(storeId);
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  taken.add(slug);
  return `${MEMORY_MOUNT_ROOT}/${slug}`;
}

/** The session resources for `params`, snapshotting each store's name and description. */
export async function resolveMemoryStoreResources(
  store: Store,
  workspaceId: string,
  params: readonly MemoryStoreParamAt[],
): Promise<StoredResource[]> {
  if (params.length > MEMORY_STORES_PER_SESSION_MAX) {
    throw invalidRequest(`resources: at most ${MEMORY_STORES_PER_SESSION_MAX} memory stores per session`);
  }
  const seen = new Set<string>();
  const slugs = new Set<string>();
  const out: StoredResource[] = [];
  for (const { param, field } of params) {
    const id = param.memory_store_id;
    if (seen.has(id)) throw invalidRequest(`${field}.memory_store_id: memory store ${id} is attached twice`);
    seen.add(id);
    const found = await store.memoryStores.getStore(workspaceId, id);
    if (!found) throw invalidRequest(`${field}.memory_store_id: memory store ${id} not found`);
    if (found.archivedAt) {
      throw invalidRequest(`${field}.memory_store_id: memory store ${id} is archived; archived stores cannot be attached to new sessions`);
    }
    const resource: MemoryStoreResource = {
      type: 'memory_store',
      memory_store_id: id,
      access: param.access ?? 'read_write',
      instructions: param.instructions ?? null,
      name: found.name,
      description: found.description,
      mount_path: mountPathFor(found.name, id, slugs),
    };
    out.push({ resource });
  }
  return out;
}
