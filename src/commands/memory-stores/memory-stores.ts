// Memory store use cases: create, update, archive (permanent, makes the store read-only), delete,
// and the lookups the other memory use cases start from.
import { newId } from '../../api/ids.js';
import { METADATA_MAX_PAIRS } from '../../api/schemas/common.js';
import type { MemoryStoreCreateInput, MemoryStoreUpdateInput } from '../../api/schemas/memory-store.js';
import { applyMetadataPatch } from '../../domain/metadata.js';
import { invalidRequest, memoryConflict, notFound } from '../../errors.js';
import type { MemoryStoreRecord } from '../../store/memory-types.js';
import type { Store } from '../../store/types.js';
import type { CommandContext } from '../context.js';
import { emitWebhook } from '../webhooks/emit.js';

export async function getMemoryStore(store: Store, workspaceId: string, id: string): Promise<MemoryStoreRecord> {
  const found = await store.memoryStores.getStore(workspaceId, id);
  if (!found) throw notFound(`memory store ${id} not found`);
  return found;
}

/** Archived stores are read-only: no store or memory changes (reads, deletes and redaction remain). */
export function assertWritable(store: MemoryStoreRecord, action: string): void {
  if (store.archivedAt) throw memoryConflict(`memory store ${store.id} is archived and read-only; cannot ${action}`);
}

export async function createMemoryStore(
  ctx: CommandContext,
  workspaceId: string,
  input: MemoryStoreCreateInput,
): Promise<MemoryStoreRecord> {
  const now = ctx.now();
  const record: MemoryStoreRecord = {
    id: newId('memstore'),
    workspaceId,
    name: input.name,
    description: input.description ?? '',
    metadata: { ...(input.metadata ?? {}) },
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await ctx.store.transaction(async (tx) => {
    await tx.memoryStores.insertStore(record);
    await emitWebhook(tx, 'memory_store.created', record.id, workspaceId, now);
  });
  return record;
}

export async function updateMemoryStore(
  ctx: CommandContext,
  workspaceId: string,
  id: string,
  input: MemoryStoreUpdateInput,
): Promise<MemoryStoreRecord> {
  return ctx.store.transaction(async (tx) => {
    const current = await getMemoryStore(tx, workspaceId, id);
    assertWritable(current, 'update it');
    const metadata = applyMetadataPatch(current.metadata, input.metadata);
    if (Object.keys(metadata).length > METADATA_MAX_PAIRS) {
      throw invalidRequest(`metadata: at most ${METADATA_MAX_PAIRS} metadata pairs are allowed after the change`);
    }
    const next: MemoryStoreRecord = {
      ...current,
      name: input.name ?? current.name,
      // null clears the description, like "".
      description: input.description === undefined ? current.description : (input.description ?? ''),
      metadata,
    };
    const changed =
      next.name !== current.name ||
      next.description !== current.description ||
      JSON.stringify(next.metadata) !== JSON.stringify(current.metadata);
    if (!changed) return current;
    const updated = { ...next, updatedAt: ctx.now() };
    await tx.memoryStores.updateStore(updated);
    return updated;
  });
}

export async function archiveMemoryStore(ctx: CommandContext, workspaceId: string, id: string): Promise<MemoryStoreRecord> {
  return ctx.store.transaction(async (tx) => {
    const current = await getMemoryStore(tx, workspaceId, id);
    if (current.archivedAt) return current;
    const now = ctx.now();
    const archived = { ...current, archivedAt: now, updatedAt: now };
    await tx.memoryStores.updateStore(archived);
    await emitWebhook(tx, 'memory_store.archived', id, workspaceId, now);
    return archived;
  });
}

/** Deletes the store, its memories and every version. Sessions that mounted it keep their copy. */
export async function deleteMemoryStore(ctx: CommandContext, workspaceId: string, id: string): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    await getMemoryStore(tx, workspaceId, id);
    await tx.memoryStores.lockStore(id);
    await tx.memoryStores.deleteStore(id);
    await emitWebhook(tx, 'memory_store.deleted', id, workspaceId, ctx.now());
  });
}
