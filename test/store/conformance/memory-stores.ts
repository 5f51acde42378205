// Conformance: MemoryStoreRepository (round trips, overlap lookups in byte order, scans by path
// and time with resume keys, versions with filters and redaction, session links, cascade delete).
import { expect, it } from 'vitest';
import { newId } from '../../../src/api/ids.js';
import type { MemoryRecord, MemoryStoreRecord, MemoryVersionRecord } from '../../../src/store/memory-types.js';
import type { StoreHarness } from '../conformance.js';
import { at, expectKeysetWalks, sessionRecord, T0, WS } from '../fixtures.js';

function storeRecord(ms = 0, over: Partial<MemoryStoreRecord> = {}): MemoryStoreRecord {
  return {
    id: newId('memstore', T0 + ms),
    workspaceId: WS,
    name: `store ${ms}`,
    description: '',
    metadata: {},
    createdAt: at(ms),
    updatedAt: at(ms),
    archivedAt: null,
    ...over,
  };
}

function memory(storeId: string, path: string, ms = 0): MemoryRecord {
  return {
    id: newId('mem', T0 + ms),
    storeId,
    path,
    content: `content of ${path}`,
    contentSha256: 'a'.repeat(64),
    contentSizeBytes: path.length + 11,
    versionId: newId('memver', T0 + ms),
    createdAt: at(ms),
    updatedAt: at(ms),
  };
}

function version(m: MemoryRecord, ms: number, over: Partial<MemoryVersionRecord> = {}): MemoryVersionRecord {
  return {
    id: newId('memver', T0 + ms),
    storeId: m.storeId,
    memoryId: m.id,
    operation: 'created',
    path: m.path,
    content: m.content,
    contentSha256: m.contentSha256,
    contentSizeBytes: m.contentSizeBytes,
    createdBy: { type: 'api_actor', id: 'apikey_1' },
    createdAt: at(ms),
    redactedAt: null,
    redactedBy: null,
    ...over,
  };
}

export function memoryStoreConformance(h: StoreHarness): void {
  const repo = () => h.store.memoryStores;

  it('round-trips stores and lists them by id, with archived ones only on request', async () => {
    const a = storeRecord(0, { description: 'd', metadata: { k: 'v' } });
    const b = storeRecord(1000, { archivedAt: at(2000) });
    const c = storeRecord(3000);
    for (const s of [a, b, c]) await repo().insertStore(s);
    expect(await repo().getStore(WS, a.id)).toEqual(a);
    expect(await repo().getStore('wrkspc_other', a.id)).toBeUndefined();
    expect(await repo().findStore(b.id)).toEqual(b);
    const list = (includeArchived: boolean) => (page: Parameters<ReturnType<typeof repo>['listStores']>[2]) =>
      repo().listStores(WS, { includeArchived, createdAt: {} }, page);
    await expectKeysetWalks(list(false), (s) => s.id, 'desc', 1, [c.id, a.id]);
    await expectKeysetWalks(list(true), (s) => s.id, 'asc', 2, [a.id, b.id, c.id]);
    await repo().updateStore({ ...a, name: 'renamed', updatedAt: at(5000) });
    expect(await repo().getStore(WS, a.id)).toEqual({ ...a, name: 'renamed', updatedAt: at(5000) });
    expect(await repo().writeRevision(a.id)).toBe(0);
    expect(await repo().lockStore(a.id)).toBe(true);
    expect(await repo().lockStore(a.id)).toBe(true);
    expect(await repo().writeRevision(a.id)).toBe(2);
    expect(await repo().lockStore('memstore_missing')).toBe(false);
    expect(await repo().writeRevision('memstore_missing')).toBeUndefined();
  });

  it('finds exact, ancestor and descendant overlaps in byte order, not look-alike prefixes', async () => {
    const s = storeRecord();
    await repo().insertStore(s);
    const notes = memory(s.id, '/notes/todo.md', 0);
    for (const m of [notes, memory(s.id, '/notes-archive/x.md', 1), memory(s.id, '/notes0', 2), memory(s.id, '/Notes/todo.md', 3)]) {
      await repo().insertMemory(m);
    }
    expect((await repo().findOverlap(s.id, '/notes/todo.md'))?.id).toBe(notes.id);
    expect((await repo().findOverlap(s.id, '/notes'))?.id).toBe(notes.id);
    expect((await repo().findOverlap(s.id, '/notes/todo.md/deeper'))?.id).toBe(notes.id);
    expect(await repo().findOverlap(s.id, '/notes/todo.md', notes.id)).toBeUndefined();
    expect(await repo().findOverlap(s.id, '/notes/done.md')).toBeUndefined();
    expect(await repo().findOverlap(s.id, '/note')).toBeUndefined();
    expect(await repo().countMemories(s.id)).toBe(4);
  });

  it('scans under a prefix by path (skipping whole directories) and by time, resuming after a key', async () => {
    const s = storeRecord();
    await repo().insertStore(s);
    const paths = ['/a.md', '/b/1.md', '/b/2.md', '/b/c/3.md', '/b-x.md', '/c.md'];
    const ms = paths.map((p, i) => memory(s.id, p, (paths.length - i) * 1000)); // created in reverse path order
    for (const m of ms) await repo().insertMemory(m);
    const scan = (over: Partial<Parameters<ReturnType<typeof repo>['scanMemories']>[1]>) =>
      repo()
        .scanMemories(s.id, { prefix: '/', orderBy: 'path', order: 'asc', limit: 100, withContent: false, ...over })
        .then((rows) => rows.map((r) => r.path));
    expect(await scan({})).toEqual(['/a.md', '/b-x.md', '/b/1.md', '/b/2.md', '/b/c/3.md', '/c.md']);
    expect(await scan({ prefix: '/b/' })).toEqual(['/b/1.md', '/b/2.md', '/b/c/3.md']);
    expect(await scan({ after: '/b-x.md', limit: 2 })).toEqual(['/b/1.md', '/b/2.md']);
    expect(await scan({ after: '/b/' })).toEqual(['/c.md']); // a directory key skips its subtree
    expect(await scan({ order: 'desc', after: '/b/' })).toEqual(['/b-x.md', '/a.md']);
    expect(await scan({ orderBy: 'created_at' })).toEqual([...paths].reverse());
    const third = ms[3]!;
    expect(await scan({ orderBy: 'created_at', order: 'desc', after: `${third.createdAt} ${third.id}` })).toEqual(paths.slice(4));
    const [withContent] = await repo().scanMemories(s.id, { prefix: '/', orderBy: 'path', order: 'asc', limit: 1, withContent: true });
    expect(withContent).toEqual(ms[0]);
    const [head] = await repo().scanMemories(s.id, { prefix: '/', orderBy: 'path', order: 'asc', limit: 1, withContent: false });
    expect(head).not.toHaveProperty('content');
  });

  it('updates and deletes memories; versions filter, page and redact; store deletion cascades', async () => {
    const s = storeRecord();
    await repo().insertStore(s);
    const m = memory(s.id, '/m.md');
    await repo().insertMemory(m);
    const v1 = version(m, 0);
    const v2 = version(m, 1000, { operation: 'modified', createdBy: { type: 'session_actor', id: 'sesn_1' } });
    const v3 = version(m, 2000, { operation: 'deleted', content: null, contentSha256: null, contentSizeBytes: null });
    for (const v of [v1, v2, v3]) await repo().insertVersion(v);
    const moved = { ...m, path: '/moved.md', content: 'new', updatedAt: at(1000) };
    await repo().updateMemory(moved);
    expect(await repo().getMemory(s.id, m.id)).toEqual(moved);

    const list = (filter: Partial<Parameters<ReturnType<typeof repo>['listVersions']>[1]>) => (page: Parameters<ReturnType<typeof repo>['listVersions']>[2]) =>
      repo().listVersions(s.id, { createdAt: {}, ...filter }, page);
    await expectKeysetWalks(list({}), (v) => v.id, 'desc', 2, [v3.id, v2.id, v1.id]);
    await expectKeysetWalks(list({ operation: 'modified' }), (v) => v.id, 'desc', 2, [v2.id]);
    await expectKeysetWalks(list({ actor: { type: 'session_actor', id: 'sesn_1' } }), (v) => v.id, 'desc', 2, [v2.id]);
    await expectKeysetWalks(list({ memoryId: 'mem_other' }), (v) => v.id, 'desc', 2, []);
    expect(await repo().getVersion(s.id, v3.id)).toEqual(v3);

    await repo().redactVersion(s.id, v1.id, at(9000), { type: 'api_actor', id: 'apikey_2' });
    expect(await repo().getVersion(s.id, v1.id)).toEqual({
      ...v1,
      path: null,
      content: null,
      contentSha256: null,
      contentSizeBytes: null,
      redactedAt: at(9000),
      redactedBy: { type: 'api_actor', id: 'apikey_2' },
    });

    await repo().deleteMemory(m.id);
    expect(await repo().getMemory(s.id, m.id)).toBeUndefined();
    expect(await repo().getVersion(s.id, v2.id)).toEqual(v2); // versions outlive the memory
    await repo().insertMemory(memory(s.id, '/other.md'));
    await repo().deleteStore(s.id);
    expect(await repo().findStore(s.id)).toBeUndefined();
    expect(await repo().countMemories(s.id)).toBe(0);
    expect(await repo().getVersion(s.id, v2.id)).toBeUndefined();
  });

  it('links sessions to the stores they mount, for the sessions filter', async () => {
    const a = sessionRecord(0);
    const b = sessionRecord(1000);
    await h.store.sessions.insert(a);
    await h.store.sessions.insert(b);
    await repo().attachToSession(a.id, ['memstore_x', 'memstore_y']);
    await repo().attachToSession(b.id, ['memstore_y']);
    await repo().attachToSession(b.id, []);
    const ids = async (memoryStoreId: string) =>
      (await h.store.sessions.list(WS, { includeArchived: false, createdAt: {}, memoryStoreId }, { limit: 10, order: 'asc' })).items.map((s) => s.id);
    expect(await ids('memstore_x')).toEqual([a.id]);
    expect(await ids('memstore_y')).toEqual([a.id, b.id]);
    await h.store.sessions.delete(a.id);
    expect(await ids('memstore_y')).toEqual([b.id]);
  });
}
