// Memory write-back: after every built-in tool call in a cloud sandbox, each memory store's
// directory is reconciled with the store (domain/memory-sync.ts decides; this applies it). The
// agent's changes become versions by a session_actor; changes made meanwhile through the API are
// written into the directory. Files the store refuses, and edits the store's version replaced,
// come back as notes for the tool result, so the agent knows what was not saved.
import type { MemoryStoreResource } from '../api/memory-wire.js';
import { memoryContentProblem, memoryPathProblem } from '../domain/memory-path.js';
import { planMemorySync, type RemoteHead, type SyncAction } from '../domain/memory-sync.js';
import { ActorType, type ActorRef } from '../domain/records/memory-store.js';
import { ApiError } from '../errors.js';
import type { MemoryDirectory, MemoryIndex } from '../sandbox/workspace/memory-directory.js';
import type { Logger } from '../logger.js';
import type { Workspaces } from '../sandbox/workspace/workspaces.js';
import type { BlobStore } from '../store/blob-store.js';
import type { SessionRecord, Store } from '../store/types.js';
import { createMemory, deleteMemory, MEMORIES_PER_STORE_MAX, updateMemory } from './memory-stores/memories.js';

/** What placing and syncing a session's mounts needs. */
export interface SessionMountsDeps {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly workspaces: Workspaces;
  readonly now: () => string;
  readonly logger: Logger;
}

export const memoryResources = (session: SessionRecord): MemoryStoreResource[] =>
  session.resources.flatMap(({ resource: r }) => (r.type === 'memory_store' ? [r] : []));

/** The mount's path relative to the mount, as memory paths are (`notes/a.md` ↔ `/notes/a.md`). */
export const relOf = (memoryPath: string) => memoryPath.slice(1);

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What applying one action did: the path's new baseline (undefined: none), and a note. */
interface Applied {
  baseline?: string | undefined;
  refused?: string | undefined;
  note?: string | undefined;
}

class MountSync {
  private readonly actor: ActorRef;
  private readonly where: (rel: string) => string;

  constructor(
    private readonly deps: SessionMountsDeps,
    private readonly session: SessionRecord,
    private readonly r: MemoryStoreResource,
    private readonly dir: MemoryDirectory,
  ) {
    this.actor = { type: ActorType.session, id: session.id };
    this.where = (rel) => `${r.mount_path}/${rel}`;
  }

  private notSaved(rel: string, reason: string): string {
    return `agentd: ${this.where(rel)} was not saved to memory store "${this.r.name}": ${reason}`;
  }

  /** The file's content if the store can hold it, or why not. */
  private async content(rel: string): Promise<{ text: string } | { problem: string } | undefined> {
    const pathProblem = memoryPathProblem('/' + rel);
    if (pathProblem) return { problem: `its path is not a valid memory path (${pathProblem})` };
    const bytes = await this.dir.read(rel);
    if (bytes === undefined) return undefined; // gone since the scan: the next sync sees it
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      return { problem: 'it is not UTF-8 text (memories hold text only)' };
    }
    const contentProblem = memoryContentProblem(text);
    return contentProblem ? { problem: `it ${contentProblem}` } : { text };
  }

  /** A store refusal the agent should hear about (and that retrying the same bytes will not fix). */
  private refusal(err: unknown, rel: string, sha: string): Applied | undefined {
    if (!(err instanceof ApiError)) return undefined;
    if (err.status === 400 || err.type === 'memory_path_conflict_error' || err.type === 'conflict_error' || err.status === 404) {
      return { refused: sha, note: this.notSaved(rel, err.message) };
    }
    return undefined;
  }

  async apply(action: SyncAction, baseline: string | undefined): Promise<Applied> {
    const storeId = this.r.memory_store_id;
    const ws = this.session.workspaceId;
    switch (action.type) {
      case 'create':
      case 'update': {
        const content = await this.content(action.rel);
        if (content === undefined) return { baseline };
        if ('problem' in content) return { baseline, refused: action.sha, note: this.notSaved(action.rel, content.problem) };
        try {
          const memory =
            action.type === 'create'
              ? await createMemory(this.deps, ws, storeId, { path: '/' + action.rel, content: content.text }, this.actor)
              : await updateMemory(
                  this.deps,
                  ws,
                  storeId,
                  action.id,
                  { content: content.text, precondition: { type: 'content_sha256', content_sha256: action.expectedSha } },
                  this.actor,
                );
          return { baseline: memory.contentSha256 };
        } catch (err) {
          // A stale precondition: the store moved meanwhile; the next sync lets its version win.
          if (err instanceof ApiError && err.type === 'memory_precondition_failed_error') return { baseline };
          const refused = this.refusal(err, action.rel, action.sha);
          if (refused) return { baseline, ...refused };
          throw err;
        }
      }
      case 'delete':
        try {
          await deleteMemory(this.deps, ws, storeId, action.id, action.expectedSha, this.actor);
          return {};
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) return {};
          if (err instanceof ApiError && err.status === 409) return { baseline };
          throw err;
        }
      case 'pull': {
        const memory = await this.deps.store.memoryStores.getMemory(storeId, action.id);
        if (!memory) return { baseline }; // deleted since the listing: the next sync removes the file
        await this.dir.write(action.rel, memory.content);
        const note = action.conflict
          ? `agentd: ${this.where(action.rel)} was also changed in memory store "${this.r.name}" since this session last saw it; the store's version replaced your edit.`
          : undefined;
        return { baseline: memory.contentSha256, note };
      }
      case 'remove':
        await this.dir.remove(action.rel);
        return {};
    }
  }
}

/** Nothing changed in the directory since the last sync (a refused version counts as known). */
const unchangedLocally = (local: ReadonlyMap<string, string>, index: MemoryIndex) =>
  [...local].every(([rel, sha]) => index.baseline[rel] === sha || index.refused[rel] === sha) &&
  Object.keys(index.baseline).every((rel) => local.has(rel));

export async function syncMemoryStore(deps: SessionMountsDeps, session: SessionRecord, r: MemoryStoreResource): Promise<string[]> {
  const dir = deps.workspaces.memory(session.id, r.memory_store_id);
  const index: MemoryIndex | undefined = await dir.index();
  if (!index) return []; // never placed here (no tool has run since the session started)
  const scanned = await dir.scan(index);
  const local = new Map([...scanned.files].map(([rel, f]) => [rel, f.sha256]));
  const revision = await deps.store.memoryStores.writeRevision(r.memory_store_id);
  if (revision === undefined) {
    // The store was deleted: the directory stays as the agent left it; say so once per change.
    const unsaved = [...local].filter(([rel, sha]) => index.baseline[rel] !== sha && index.refused[rel] !== sha);
    for (const [rel, sha] of unsaved) index.refused[rel] = sha;
    await dir.saveIndex(index);
    return unsaved.length > 0 ? [`agentd: memory store "${r.name}" was deleted, so changes under ${r.mount_path} are not saved.`] : [];
  }
  if (revision === index.revision && unchangedLocally(local, index)) {
    if (scanned.seenChanged) await dir.saveIndex(index); // keeps what was hashed, so it is not hashed again
    return [];
  }
  const heads = await deps.store.memoryStores.scanMemories(r.memory_store_id, {
    prefix: '/',
    orderBy: 'path',
    order: 'asc',
    limit: MEMORIES_PER_STORE_MAX + 1,
    withContent: false,
  });
  const remote = new Map<string, RemoteHead>(heads.map((m) => [relOf(m.path), { id: m.id, sha: m.contentSha256 }]));
  const plan = planMemorySync({
    local,
    baseline: new Map(Object.entries(index.baseline)),
    remote,
    readOnly: r.access === 'read_only',
    refused: new Map(Object.entries(index.refused)),
  });
  const baseline = Object.fromEntries(plan.settled);
  // Refusals stand while the file still holds the refused bytes.
  const refused = Object.fromEntries(Object.entries(index.refused).filter(([rel, sha]) => local.get(rel) === sha));
  const notes: string[] = [];
  const sync = new MountSync(deps, session, r, dir);
  for (const action of plan.actions) {
    try {
      const done = await sync.apply(action, index.baseline[action.rel]);
      if (done.baseline !== undefined) baseline[action.rel] = done.baseline;
      if (done.refused !== undefined) refused[action.rel] = done.refused;
      if (done.note) notes.push(done.note);
    } catch (err) {
      // Left as it was: the next sync tries again.
      const previous = index.baseline[action.rel];
      if (previous !== undefined) baseline[action.rel] = previous;
      deps.logger.warn({ err, session_id: session.id, memory_store_id: r.memory_store_id, path: action.rel }, 'memory sync step failed');
    }
  }
  await dir.saveIndex({ revision, baseline, refused, seen: index.seen });
  return notes;
}

/** After a built-in tool ran: every memory mount synced with its store. Never throws. */
export async function syncMemoryMounts(deps: SessionMountsDeps, session: SessionRecord): Promise<string[]> {
  const notes: string[] = [];
  for (const r of memoryResources(session)) {
    try {
      notes.push(...(await syncMemoryStore(deps, session, r)));
    } catch (err) {
      deps.logger.error({ err, session_id: session.id, memory_store_id: r.memory_store_id }, 'memory sync failed');
    }
  }
  return notes;
}
