// Memory use cases: create at a path, update (content and/or rename) by id with an optional
// content precondition, delete, read and list. Every change writes one immutable version with its
// actor, in the same transaction, while holding the store's write lock (so path checks and the
// per-store cap hold under concurrent writers).
import { createHash } from 'node:crypto';
import { newId } from '../../api/ids.js';
import type { MemoryCreateInput, MemoryUpdateInput } from '../../api/schemas/memory-store.js';
import { rollUp, resumeKey, type ListedItem } from '../../domain/memory-listing.js';
import { memoryContentProblem, memoryPathProblem } from '../../domain/memory-path.js';
import { invalidRequest, memoryPathConflict, memoryPreconditionFailed, notFound } from '../../errors.js';
import type { ActorRef, MemoryOperation, MemoryOrderBy, MemoryRecord, MemoryStoreRecord } from '../../store/memory-types.js';
import type { Store } from '../../store/types.js';
import { assertWritable, getMemoryStore } from './memory-stores.js';

/** The most memories one store holds. */
export const MEMORIES_PER_STORE_MAX = 2000;

/** What memory writes need: the store and a clock. */
export interface MemoryDeps {
  readonly store: Store;
  readonly now: () => string;
}

export const contentSha256 = (content: string) => createHash('sha256').update(content, 'utf8').digest('hex');

/** A memory's content with the hash and size every response shows. */
const contentFields = (content: string) => ({
  content,
  contentSha256: contentSha256(content),
  contentSizeBytes: Buffer.byteLength(content, 'utf8'),
});

function checkPath(path: string, field = 'path'): void {
  const problem = memoryPathProblem(path);
  if (problem) throw invalidRequest(`${field}: ${problem}`);
}

function checkContent(content: string): void {
  const problem = memoryContentProblem(content);
  if (problem) throw invalidRequest(`content: ${problem}`);
}

export async function getMemory(store: Store, workspaceId: string, storeId: string, id: string): Promise<MemoryRecord> {
  await getMemoryStore(store, workspaceId, storeId);
  const memory = await store.memoryStores.getMemory(storeId, id);
  if (!memory) throw notFound(`memory ${id} not found in memory store ${storeId}`);
  return memory;
}

/** Runs `fn` in a transaction holding `storeId`'s write lock. */
async function withStoreLock<T>(
  deps: MemoryDeps,
  workspaceId: string,
  storeId: string,
  fn: (tx: Store, store: MemoryStoreRecord) => Promise<T>,
): Promise<T> {
  return deps.store.transaction(async (tx) => {
    const store = await getMemoryStore(tx, workspaceId, storeId);
    await tx.memoryStores.lockStore(storeId);
    return fn(tx, store);
  });
}

/** The memory `id` of the locked store, or a 404. */
async function existing(tx: Store, storeId: string, id: string): Promise<MemoryRecord> {
  const memory = await tx.memoryStores.getMemory(storeId, id);
  if (!memory) throw notFound(`memory ${id} not found in memory store ${storeId}`);
  return memory;
}

async function assertPathFree(tx: Store, storeId: string, path: string, exceptId?: string): Promise<void> {
  const other = await tx.memoryStores.findOverlap(storeId, path, exceptId);
  if (!other) return;
  const how = other.path === path ? 'is already used by' : 'overlaps the path of';
  throw memoryPathConflict(
    `path: ${path} ${how} memory ${other.id} (${other.path}); rename or delete that memory first, or update it instead`,
    other.id,
    other.path,
  );
}

async function writeVersion(
  tx: Store,
  memory: Pick<MemoryRecord, 'id' | 'storeId' | 'path'> & Partial<MemoryRecord>,
  operation: MemoryOperation,
  actor: ActorRef,
  at: string,
): Promise<string> {
  const id = newId('memver');
  const deleted = operation === 'deleted';
  await tx.memoryStores.insertVersion({
    id,
    storeId: memory.storeId,
    memoryId: memory.id,
    operation,
    path: memory.path,
    content: deleted ? null : (memory.content ?? null),
    contentSha256: deleted ? null : (memory.contentSha256 ?? null),
    contentSizeBytes: deleted ? null : (memory.contentSizeBytes ?? null),
    createdBy: actor,
    createdAt: at,
    redactedAt: null,
    redactedBy: null,
  });
  return id;
}

export async function createMemory(
  deps: MemoryDeps,
  workspaceId: string,
  storeId: string,
  input: MemoryCreateInput,
  actor: ActorRef,
): Promise<MemoryRecord> {
  const content = input.content ?? '';
  checkPath(input.path);
  checkContent(content);
  return withStoreLock(deps, workspaceId, storeId, async (tx, store) => {
    assertWritable(store, 'create memories in it');
    await assertPathFree(tx, storeId, input.path);
    if ((await tx.memoryStores.countMemories(storeId)) >= MEMORIES_PER_STORE_MAX) {
      throw invalidRequest(`memory store ${storeId} already holds ${MEMORIES_PER_STORE_MAX} memories, the most a store can hold; delete some first`);
    }
    const now = deps.now();
    const memory: MemoryRecord = {
      id: newId('mem'),
      storeId,
      path: input.path,
      ...contentFields(content),
      versionId: '',
      createdAt: now,
      updatedAt: now,
    };
    memory.versionId = await writeVersion(tx, memory, 'created', actor, now);
    await tx.memoryStores.insertMemory(memory);
    return memory;
  });
}

export async function updateMemory(
  deps: MemoryDeps,
  workspaceId: string,
  storeId: string,
  id: string,
  input: MemoryUpdateInput,
  actor: ActorRef,
): Promise<MemoryRecord> {
  if (input.path !== undefined && input.path !== null) checkPath(input.path);
  if (input.content !== undefined && input.content !== null) checkContent(input.content);
  return withStoreLock(deps, workspaceId, storeId, async (tx, store) => {
    assertWritable(store, 'update its memories');
    const current = await existing(tx, storeId, id);
    const content = input.content ?? current.content;
    const path = input.path ?? current.path;
    const unchanged = content === current.content && path === current.path;
    const expected = input.precondition?.content_sha256;
    // A request that asks for exactly what is stored succeeds whatever its precondition said.
    if (expected !== undefined && expected !== current.contentSha256 && !unchanged) {
      throw memoryPreconditionFailed(
        `precondition: memory ${id} no longer has content_sha256 ${expected}; retrieve it and apply your change again`,
      );
    }
    if (unchanged) return current; // nothing changes, so no version either
    if (path !== current.path) await assertPathFree(tx, storeId, path, id);
    const now = deps.now();
    const next: MemoryRecord = { ...current, path, ...contentFields(content), updatedAt: now };
    next.versionId = await writeVersion(tx, next, 'modified', actor, now);
    await tx.memoryStores.updateMemory(next);
    return next;
  });
}

/** Deletes a memory (allowed in archived stores); its versions stay, ending with a `deleted` one. */
export async function deleteMemory(
  deps: MemoryDeps,
  workspaceId: string,
  storeId: string,
  id: string,
  expectedSha256: string | undefined,
  actor: ActorRef,
): Promise<void> {
  await withStoreLock(deps, workspaceId, storeId, async (tx) => {
    const current = await existing(tx, storeId, id);
    if (expectedSha256 !== undefined && expectedSha256 !== current.contentSha256) {
      throw memoryPreconditionFailed(
        `expected_content_sha256: memory ${id} no longer has content_sha256 ${expectedSha256}; nothing was deleted`,
      );
    }
    await writeVersion(tx, current, 'deleted', actor, deps.now());
    await tx.memoryStores.deleteMemory(id);
  });
}

export interface MemoryListRequest {
  prefix: string;
  /** 0 lists every memory below the prefix; n rolls deeper ones up into `memory_prefix` items. */
  depth: number;
  orderBy: MemoryOrderBy;
  order: 'asc' | 'desc';
  /** Resume after this sort key (from the previous page's last item). */
  after?: string | undefined;
  limit: number;
  withContent: boolean;
}

export interface MemoryListPage {
  items: ListedItem[];
  hasMore: boolean;
  /** The key the next page resumes after. */
  lastKey: string | undefined;
}

/**
 * One page of a store's listing. With `depth`, a directory's memories are contiguous in path
 * order, so each rolled-up directory is emitted once and the scan resumes past it.
 */
export async function listMemories(store: Store, storeId: string, req: MemoryListRequest): Promise<MemoryListPage> {
  const items: ListedItem[] = [];
  const want = req.limit + 1;
  let after = req.after;
  let lastKey: string | undefined;
  for (;;) {
    const batch = await store.memoryStores.scanMemories(storeId, {
      prefix: req.prefix,
      orderBy: req.orderBy,
      order: req.order,
      after,
      limit: want,
      withContent: req.withContent,
    });
    let directory: string | undefined;
    for (const memory of batch) {
      if (directory !== undefined && memory.path.startsWith(directory)) continue;
      const item = rollUp(memory, req.prefix, req.depth);
      if (items.length === req.limit) return { items, hasMore: true, lastKey };
      items.push(item);
      after = lastKey = resumeKey(item, req.orderBy);
      directory = item.type === 'memory_prefix' ? item.path : undefined;
    }
    if (batch.length < want) return { items, hasMore: false, lastKey };
  }
}
