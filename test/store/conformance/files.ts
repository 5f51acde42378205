// Conformance: FileRepository (round trip incl. >4 GiB sizes, list by scope/ids, deletes).
import { expect, it } from 'vitest';
import type { StoreHarness } from '../conformance.js';
import { at, expectKeysetWalks, fileRecord, WS } from '../fixtures.js';

export function fileConformance(h: StoreHarness): void {
  it('inserts and gets a file with every field intact', async () => {
    // A size past 32 bits checks the bigint column comes back as an exact number.
    const f = fileRecord(0, { sizeBytes: 5_000_000_123, downloadable: true, scopeSessionId: 'sesn_1', expiresAt: at(9000) });
    const g = fileRecord(1000);
    await h.store.files.insert(f);
    await h.store.files.insert(g);
    expect(await h.store.files.get(WS, f.id)).toEqual(f);
    expect(await h.store.files.get(WS, g.id)).toEqual(g);
    expect(await h.store.files.get('wrkspc_other', f.id)).toBeUndefined();
  });

  it('lists by scope and by ids, with keyset paging', async () => {
    const files = [
      fileRecord(0),
      fileRecord(1000, { scopeSessionId: 'sesn_a' }),
      fileRecord(2000, { scopeSessionId: 'sesn_a' }),
      fileRecord(3000, { scopeSessionId: 'sesn_b' }),
      fileRecord(4000),
    ];
    for (const f of files) await h.store.files.insert(f);
    const ids = files.map((f) => f.id);
    const list = (filter: Parameters<typeof h.store.files.list>[1]) => (page: Parameters<typeof h.store.files.list>[2]) =>
      h.store.files.list(WS, filter, page);

    await expectKeysetWalks(list({}), (f) => f.id, 'desc', 2, [...ids].reverse());
    await expectKeysetWalks(list({}), (f) => f.id, 'asc', 2, ids);
    await expectKeysetWalks(list({ scopeSessionId: 'sesn_a' }), (f) => f.id, 'asc', 1, [ids[1]!, ids[2]!]);
    await expectKeysetWalks(list({ ids: [ids[4]!, ids[0]!, 'file_missing'] }), (f) => f.id, 'asc', 5, [ids[0]!, ids[4]!]);
    await expectKeysetWalks(list({ scopeSessionId: 'sesn_a', ids: [ids[2]!, ids[3]!] }), (f) => f.id, 'asc', 5, [ids[2]!]);
    expect((await h.store.files.list(WS, { ids: [] }, { limit: 10, order: 'asc' })).items).toHaveLength(5);
  });

  it('deleteByScope removes and returns exactly the session-scoped files', async () => {
    const a1 = fileRecord(0, { scopeSessionId: 'sesn_a' });
    const a2 = fileRecord(1000, { scopeSessionId: 'sesn_a' });
    const b = fileRecord(2000, { scopeSessionId: 'sesn_b' });
    const free = fileRecord(3000);
    for (const f of [a1, a2, b, free]) await h.store.files.insert(f);
    const deleted = await h.store.files.deleteByScope('sesn_a');
    expect([...deleted].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([a1, a2]);
    expect(await h.store.files.get(WS, a1.id)).toBeUndefined();
    expect(await h.store.files.get(WS, a2.id)).toBeUndefined();
    expect(await h.store.files.get(WS, b.id)).toEqual(b);
    expect(await h.store.files.get(WS, free.id)).toEqual(free);
    expect(await h.store.files.deleteByScope('sesn_a')).toEqual([]);
  });

  it('deletes one file', async () => {
    const f = fileRecord();
    await h.store.files.insert(f);
    await h.store.files.delete(f.id);
    expect(await h.store.files.get(WS, f.id)).toBeUndefined();
  });
}
