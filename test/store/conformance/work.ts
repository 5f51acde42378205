// Conformance: WorkRepository (one open item per session, claim candidates, compare-and-set,
// counts, pollers, tokens) and EnvironmentKeyRepository.
import { expect, it } from 'vitest';
import { newId } from '../../../src/api/ids.js';
import type { WorkItemRecord } from '../../../src/store/work-types.js';
import type { StoreHarness } from '../conformance.js';
import { at, expectKeysetWalks, T0, WS } from '../fixtures.js';

const ENV = 'env_work';

function workItem(ms = 0, over: Partial<WorkItemRecord> = {}): WorkItemRecord {
  return {
    id: newId('work', T0 + ms),
    workspaceId: WS,
    environmentId: ENV,
    sessionId: `sesn_${ms}`,
    state: 'queued',
    metadata: {},
    claim: 0,
    revision: 0,
    claimedAt: null,
    claimedBy: null,
    createdAt: at(ms),
    acknowledgedAt: null,
    startedAt: null,
    latestHeartbeatAt: null,
    leaseExpiresAt: null,
    stopRequestedAt: null,
    stoppedAt: null,
    ...over,
  };
}

export function workConformance(h: StoreHarness): void {
  it('keeps one open item per session: a second offer returns the open one', async () => {
    const first = workItem(0, { sessionId: 'sesn_a', metadata: { k: 'v' } });
    expect(await h.store.work.offer(first)).toEqual({ item: first, created: true });
    const again = await h.store.work.offer(workItem(1000, { sessionId: 'sesn_a' }));
    expect(again).toEqual({ item: first, created: false });
    expect(await h.store.work.get(ENV, first.id)).toEqual(first);
    expect(await h.store.work.find(first.id)).toEqual(first);
    expect(await h.store.work.get('env_other', first.id)).toBeUndefined();
    expect(await h.store.work.openForSession('sesn_a')).toEqual(first);
  });

  it('offers a new item once the open one has stopped (also inside a transaction)', async () => {
    const first = workItem(0, { sessionId: 'sesn_b' });
    await h.store.work.offer(first);
    expect(await h.store.work.update({ ...first, state: 'stopped', stoppedAt: at(500) })).toBe(true);
    expect(await h.store.work.openForSession('sesn_b')).toBeUndefined();
    const second = workItem(1000, { sessionId: 'sesn_b' });
    const offered = await h.store.transaction(async (tx) => {
      const r = await tx.work.offer(second);
      // A conflicting offer must leave the transaction usable (PostgreSQL aborts on a raised violation).
      await tx.work.offer(workItem(2000, { sessionId: 'sesn_b' }));
      return r;
    });
    expect(offered).toEqual({ item: second, created: true });
  });

  it('updates only at the expected revision (compare-and-set) and bumps it', async () => {
    const item = workItem(0);
    await h.store.work.offer(item);
    const acked = { ...item, state: 'starting' as const, acknowledgedAt: at(10), leaseExpiresAt: at(90_010) };
    expect(await h.store.work.update(acked)).toBe(true);
    expect(await h.store.work.get(ENV, item.id)).toEqual({ ...acked, revision: 1 });
    // A writer that read revision 0 lost the race.
    expect(await h.store.work.update({ ...item, state: 'stopped' })).toBe(false);
    expect((await h.store.work.get(ENV, item.id))?.state).toBe('starting');
    // Identity columns are never rewritten.
    expect(await h.store.work.update({ ...acked, revision: 1, sessionId: 'sesn_moved', environmentId: 'env_moved' })).toBe(true);
    expect(await h.store.work.get(ENV, item.id)).toMatchObject({ sessionId: item.sessionId, revision: 2 });
  });

  it('lists claimable items oldest first: unclaimed, unacknowledged past the reclaim time, lapsed leases', async () => {
    const fresh = workItem(0);
    const pendingOld = workItem(1000, { claimedAt: at(1000), claim: 1 });
    const pendingNew = workItem(2000, { claimedAt: at(9000), claim: 1 });
    const lapsed = workItem(3000, { state: 'active', claim: 1, claimedAt: at(3000), leaseExpiresAt: at(5000) });
    const leased = workItem(4000, { state: 'active', claim: 1, claimedAt: at(4000), leaseExpiresAt: at(60_000) });
    const stopping = workItem(5000, { state: 'stopping', claim: 1, leaseExpiresAt: at(5000) });
    const done = workItem(6000, { state: 'stopped' });
    const elsewhere = { ...workItem(7000), environmentId: 'env_other' };
    for (const w of [fresh, pendingOld, pendingNew, lapsed, leased, stopping, done, elsewhere]) await h.store.work.offer(w);
    const now = at(10_000);
    const reclaimBefore = at(5_000);
    const ids = (await h.store.work.claimable(ENV, now, reclaimBefore, 10)).map((w) => w.id);
    expect(ids).toEqual([fresh.id, pendingOld.id, lapsed.id]);
    expect((await h.store.work.claimable(ENV, now, reclaimBefore, 2)).map((w) => w.id)).toEqual([fresh.id, pendingOld.id]);
    expect((await h.store.work.lapsedStopping(ENV, now)).map((w) => w.id)).toEqual([stopping.id]);
    expect(await h.store.work.lapsedStopping(ENV, at(4000))).toEqual([]);
  });

  it('counts depth (waiting), pending (handed out, unacknowledged) and the oldest queued item', async () => {
    expect(await h.store.work.counts(ENV)).toEqual({ depth: 0, pending: 0, oldestQueuedAt: null });
    await h.store.work.offer(workItem(2000));
    await h.store.work.offer(workItem(1000, { claimedAt: at(1500), claim: 1 }));
    await h.store.work.offer(workItem(3000));
    await h.store.work.offer(workItem(0, { state: 'active', claim: 1 }));
    await h.store.work.offer(workItem(500, { state: 'stopped' }));
    expect(await h.store.work.counts(ENV)).toEqual({ depth: 2, pending: 1, oldestQueuedAt: at(1000) });
  });

  it('withdraws only unclaimed queued items of the session created by the cut-off', async () => {
    const unclaimed = workItem(0, { sessionId: 'sesn_w' });
    await h.store.work.offer(unclaimed);
    expect(await h.store.work.stopUnclaimed('sesn_w', at(-1), at(100))).toBe(0);
    expect(await h.store.work.stopUnclaimed('sesn_w', at(0), at(100))).toBe(1);
    expect(await h.store.work.get(ENV, unclaimed.id)).toMatchObject({ state: 'stopped', stoppedAt: at(100), revision: 1 });
    const claimed = workItem(1000, { sessionId: 'sesn_w', claimedAt: at(1000), claim: 1 });
    await h.store.work.offer(claimed);
    expect(await h.store.work.stopUnclaimed('sesn_w', at(2000), at(2000))).toBe(0);
  });

  it('pages work items by id in both directions', async () => {
    const items = Array.from({ length: 5 }, (_, i) => workItem(i * 1000));
    for (const w of items) await h.store.work.offer(w);
    await h.store.work.offer({ ...workItem(9000), environmentId: 'env_other' });
    const ids = items.map((w) => w.id);
    await expectKeysetWalks((p) => h.store.work.list(ENV, p), (w) => w.id, 'asc', 2, ids);
    await expectKeysetWalks((p) => h.store.work.list(ENV, p), (w) => w.id, 'desc', 2, [...ids].reverse());
  });

  it('counts distinct recent pollers per environment', async () => {
    await h.store.work.notePoll(ENV, 'w1', at(0));
    await h.store.work.notePoll(ENV, 'w2', at(1000));
    await h.store.work.notePoll(ENV, 'w1', at(5000));
    await h.store.work.notePoll('env_other', 'w3', at(5000));
    expect(await h.store.work.pollersSince(ENV, at(0))).toBe(2);
    expect(await h.store.work.pollersSince(ENV, at(2000))).toBe(1);
    expect(await h.store.work.pollersSince(ENV, at(6000))).toBe(0);
  });

  it('stores session tokens by digest', async () => {
    const token = { digest: 'ab'.repeat(32), workId: 'work_x', claim: 2, createdAt: at(0) };
    await h.store.work.addToken(token);
    expect(await h.store.work.findToken(token.digest)).toEqual(token);
    expect(await h.store.work.findToken('cd'.repeat(32))).toBeUndefined();
  });

  it('stores environment keys by digest; lists and deletes them per environment; survives a reopen', async () => {
    const key = { id: 'envkey_1', workspaceId: WS, environmentId: ENV, digest: 'ef'.repeat(32), hint: 'abcd', createdAt: at(0) };
    const other = { ...key, id: 'envkey_2', environmentId: 'env_other', digest: '01'.repeat(32) };
    await h.store.environmentKeys.insert(key);
    await h.store.environmentKeys.insert(other);
    await expect(h.store.environmentKeys.insert({ ...key, id: 'envkey_3' })).rejects.toThrow();
    expect(await h.store.environmentKeys.findByDigest(key.digest)).toEqual(key);
    expect(await h.store.environmentKeys.list(ENV)).toEqual([key]);
    expect(await h.store.environmentKeys.delete('env_other', key.id)).toBe(false);
    const store = await h.reopen();
    expect(await store.environmentKeys.findByDigest(key.digest)).toEqual(key);
    expect(await store.environmentKeys.delete(ENV, key.id)).toBe(true);
    expect(await store.environmentKeys.findByDigest(key.digest)).toBeUndefined();
    expect(await store.environmentKeys.list(ENV)).toEqual([]);
  });
}
