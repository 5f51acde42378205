// Conformance: EnvironmentRepository (unique names per workspace, update, delete, list).
import { expect, it } from 'vitest';
import { UniqueViolationError } from '../../../src/store/errors.js';
import type { StoreHarness } from '../conformance.js';
import { at, environmentRecord, expectKeysetWalks, WS } from '../fixtures.js';

export function environmentConformance(h: StoreHarness): void {
  it('inserts and gets by id and by name', async () => {
    const e = {
      ...environmentRecord(0, 'prod'),
      description: 'd',
      metadata: { k: 'v' },
      scope: 'organization' as const,
      config: {
        type: 'cloud' as const,
        networking: { type: 'unrestricted' as const },
        packages: { apt: ['git'], cargo: [], gem: [], go: [], npm: [], pip: ['requests'] },
      },
    };
    await h.store.environments.insert(e);
    expect(await h.store.environments.get(WS, e.id)).toEqual(e);
    expect(await h.store.environments.getByName(WS, 'prod')).toEqual(e);
    expect(await h.store.environments.getByName(WS, 'staging')).toBeUndefined();
    expect(await h.store.environments.get('wrkspc_other', e.id)).toBeUndefined();
    expect(await h.store.environments.getByName('wrkspc_other', 'prod')).toBeUndefined();
  });

  it('rejects a second environment with the same name (UniqueViolationError) and keeps the first', async () => {
    const first = environmentRecord(0, 'dup');
    await h.store.environments.insert(first);
    const second = environmentRecord(1000, 'dup');
    await expect(h.store.environments.insert(second)).rejects.toBeInstanceOf(UniqueViolationError);
    expect(await h.store.environments.get(WS, second.id)).toBeUndefined();
    expect((await h.store.environments.getByName(WS, 'dup'))?.id).toBe(first.id);
  });

  it('updates in place, and refuses a rename onto a taken name', async () => {
    const e = environmentRecord(0, 'a');
    const other = environmentRecord(1000, 'b');
    await h.store.environments.insert(e);
    await h.store.environments.insert(other);
    const changed = {
      ...e,
      name: 'a2',
      description: 'now described',
      metadata: { x: '1' },
      updatedAt: at(5000),
      archivedAt: at(5000),
    };
    await h.store.environments.update(changed);
    expect(await h.store.environments.get(WS, e.id)).toEqual(changed);
    expect(await h.store.environments.getByName(WS, 'a')).toBeUndefined();
    await expect(h.store.environments.update({ ...changed, name: 'b' })).rejects.toBeInstanceOf(UniqueViolationError);
    expect((await h.store.environments.get(WS, e.id))?.name).toBe('a2');
  });

  it('deletes', async () => {
    const e = environmentRecord();
    await h.store.environments.insert(e);
    await h.store.environments.delete(e.id);
    expect(await h.store.environments.get(WS, e.id)).toBeUndefined();
    // The name is free again.
    await h.store.environments.insert({ ...environmentRecord(1000), name: e.name });
  });

  it('lists with includeArchived and keyset paging', async () => {
    const envs = Array.from({ length: 5 }, (_, i) => environmentRecord(i * 1000));
    for (const e of envs) await h.store.environments.insert(e);
    const archived = { ...envs[2]!, archivedAt: at(9000) };
    await h.store.environments.update(archived);
    const live = envs.filter((e) => e.id !== archived.id).map((e) => e.id);
    const list = (includeArchived: boolean) => (page: Parameters<typeof h.store.environments.list>[2]) =>
      h.store.environments.list(WS, { includeArchived }, page);
    await expectKeysetWalks(list(false), (e) => e.id, 'desc', 2, [...live].reverse());
    await expectKeysetWalks(list(true), (e) => e.id, 'asc', 2, envs.map((e) => e.id));
  });
}
