// Conformance: AgentRepository (versions, compare-and-set, archive, filters, keyset paging).
import { expect, it } from 'vitest';
import type { AgentRecord } from '../../../src/store/types.js';
import type { StoreHarness } from '../conformance.js';
import { agentRecord, agentSnapshot, at, expectKeysetWalks, WS } from '../fixtures.js';

const nextVersion = (a: AgentRecord, name: string, ms: number): AgentRecord => ({
  ...a,
  version: a.version + 1,
  snapshot: agentSnapshot(name),
  updatedAt: at(ms),
});

export function agentConformance(h: StoreHarness): void {
  it('inserts and gets an agent, recording version 1', async () => {
    const a = agentRecord(0, 'Coder');
    a.snapshot.metadata = { team: 'x' };
    a.snapshot.tools = [{ type: 'custom', name: 't', description: 'd', input_schema: { type: 'object' } }];
    await h.store.agents.insert(a);
    expect(await h.store.agents.get(WS, a.id)).toEqual(a);
    expect(await h.store.agents.getVersion(a.id, 1)).toEqual({
      agentId: a.id,
      version: 1,
      snapshot: a.snapshot,
      createdAt: a.updatedAt,
    });
    expect(await h.store.agents.get('wrkspc_other', a.id)).toBeUndefined();
    expect(await h.store.agents.get(WS, 'agent_missing')).toBeUndefined();
    expect(await h.store.agents.getVersion(a.id, 2)).toBeUndefined();
  });

  it('rejects a duplicate id', async () => {
    const a = agentRecord();
    await h.store.agents.insert(a);
    await expect(h.store.agents.insert({ ...a, snapshot: agentSnapshot('Other') })).rejects.toThrow();
    expect((await h.store.agents.get(WS, a.id))?.snapshot.name).toBe('A');
  });

  it('addVersion is a compare-and-set on the current version', async () => {
    const a = agentRecord(0, 'v1');
    await h.store.agents.insert(a);
    const v2 = nextVersion(a, 'v2', 1000);
    expect(await h.store.agents.addVersion(v2, 1)).toBe(true);
    expect(await h.store.agents.get(WS, a.id)).toEqual(v2);

    // A second writer that also read version 1 loses and changes nothing.
    const stale = { ...nextVersion(a, 'stale', 2000), version: 2 };
    expect(await h.store.agents.addVersion(stale, 1)).toBe(false);
    expect(await h.store.agents.get(WS, a.id)).toEqual(v2);
    expect((await h.store.agents.getVersion(a.id, 2))?.snapshot.name).toBe('v2');
    expect((await h.store.agents.getVersion(a.id, 1))?.snapshot.name).toBe('v1');
    expect(await h.store.agents.getVersion(a.id, 3)).toBeUndefined();
  });

  it('lets exactly one of two concurrent compare-and-sets win', async () => {
    const a = agentRecord();
    await h.store.agents.insert(a);
    const results = await Promise.allSettled([
      h.store.agents.addVersion(nextVersion(a, 'left', 1000), 1),
      h.store.agents.addVersion(nextVersion(a, 'right', 1000), 1),
    ]);
    // The loser may see `false` or (if the database detects the race itself) an error; never a second win.
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === true)).toHaveLength(1);
    const current = await h.store.agents.get(WS, a.id);
    expect(current?.version).toBe(2);
    expect((await h.store.agents.getVersion(a.id, 2))?.snapshot.name).toBe(current?.snapshot.name);
  });

  it('addVersion on an unknown agent returns false', async () => {
    expect(await h.store.agents.addVersion({ ...agentRecord(), version: 2 }, 1)).toBe(false);
  });

  it('archives, and list hides archived agents unless includeArchived', async () => {
    const kept = agentRecord(0);
    const gone = agentRecord(1000);
    await h.store.agents.insert(kept);
    await h.store.agents.insert(gone);
    await h.store.agents.archive(gone.id, at(5000));
    expect((await h.store.agents.get(WS, gone.id))?.archivedAt).toBe(at(5000));

    const visible = await h.store.agents.list(WS, { includeArchived: false, createdAt: {} }, { limit: 10, order: 'asc' });
    expect(visible.items.map((a) => a.id)).toEqual([kept.id]);
    const all = await h.store.agents.list(WS, { includeArchived: true, createdAt: {} }, { limit: 10, order: 'asc' });
    expect(all.items.map((a) => a.id)).toEqual([kept.id, gone.id]);
    expect(all.hasMore).toBe(false);
  });

  it('filters the list by created_at bounds', async () => {
    const agents = [0, 1000, 2000, 3000].map((ms) => agentRecord(ms));
    for (const a of agents) await h.store.agents.insert(a);
    const ids = async (createdAt: Parameters<typeof h.store.agents.list>[1]['createdAt']) =>
      (await h.store.agents.list(WS, { includeArchived: false, createdAt }, { limit: 10, order: 'asc' })).items.map(
        (a) => a.id,
      );
    const [a0, a1, a2, a3] = agents.map((a) => a.id);
    expect(await ids({ gt: at(1000) })).toEqual([a2, a3]);
    expect(await ids({ gte: at(1000) })).toEqual([a1, a2, a3]);
    expect(await ids({ lt: at(2000) })).toEqual([a0, a1]);
    expect(await ids({ lte: at(2000) })).toEqual([a0, a1, a2]);
    expect(await ids({ gt: at(0), lt: at(3000) })).toEqual([a1, a2]);
    expect(await h.store.agents.list('wrkspc_other', { includeArchived: true, createdAt: {} }, { limit: 10, order: 'asc' }))
      .toEqual({ items: [], hasMore: false });
  });

  it('pages the list by keyset in both orders and both directions', async () => {
    const agents = Array.from({ length: 7 }, (_, i) => agentRecord(i * 1000));
    // Insert out of order: the listing order must come from the key, not insertion.
    for (const a of [...agents].reverse()) await h.store.agents.insert(a);
    const ids = agents.map((a) => a.id);
    const list = (page: Parameters<typeof h.store.agents.list>[2]) =>
      h.store.agents.list(WS, { includeArchived: false, createdAt: {} }, page);
    for (const limit of [1, 3, 7, 10]) {
      await expectKeysetWalks(list, (a) => a.id, 'asc', limit, ids);
      await expectKeysetWalks(list, (a) => a.id, 'desc', limit, [...ids].reverse());
    }
    // Nothing before the first item, nothing after the last.
    expect(await list({ limit: 3, order: 'desc', cursor: { key: ids[6]!, direction: 'prev' } })).toEqual({
      items: [],
      hasMore: false,
    });
    expect(await list({ limit: 3, order: 'asc', cursor: { key: ids[6]!, direction: 'next' } })).toEqual({
      items: [],
      hasMore: false,
    });
  });

  it('pages versions by keyset in both orders and both directions', async () => {
    let a = agentRecord(0, 'v1');
    await h.store.agents.insert(a);
    for (let v = 2; v <= 5; v++) {
      const next = nextVersion(a, `v${v}`, v * 1000);
      expect(await h.store.agents.addVersion(next, a.version)).toBe(true);
      a = next;
    }
    const list = (page: Parameters<typeof h.store.agents.listVersions>[1]) => h.store.agents.listVersions(a.id, page);
    await expectKeysetWalks(list, (v) => v.version, 'desc', 2, [5, 4, 3, 2, 1]);
    await expectKeysetWalks(list, (v) => v.version, 'asc', 2, [1, 2, 3, 4, 5]);
    const page = await list({ limit: 10, order: 'asc' });
    expect(page.items.map((v) => v.snapshot.name)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(page.items.every((v) => v.agentId === a.id)).toBe(true);
  });
}
