// Conformance: SessionRepository (round trip, update never rewinds last_seq, resources CAS, filters, delete, counts,
// leases with fencing tokens).
import { expect, it } from 'vitest';
import type { SessionFilter } from '../../../src/store/types.js';
import type { StoreHarness } from '../conformance.js';
import { at, expectKeysetWalks, newEvents, sessionRecord, WS } from '../fixtures.js';

const noFilter: SessionFilter = { includeArchived: false, createdAt: {} };

export function sessionConformance(h: StoreHarness): void {
  it('gives every lease acquisition a higher fencing token, and only the current one holds, renews or releases', async () => {
    const s = sessionRecord(0, { status: 'running' });
    await h.store.sessions.insert(s);
    const first = await h.store.sessions.acquireLease(s.id, 'engine_a', at(0), at(1000));
    expect(first).toBeTypeOf('number');
    // Held and live: another owner cannot take it.
    expect(await h.store.sessions.acquireLease(s.id, 'engine_b', at(500), at(1500))).toBeUndefined();
    expect(await h.store.sessions.holdsLease(s.id, 'engine_a', first!)).toBe(true);
    // Lapsed: B takes it over with a higher token, and A's token no longer holds anything.
    const second = await h.store.sessions.acquireLease(s.id, 'engine_b', at(2000), at(3000));
    expect(second).toBeGreaterThan(first!);
    expect(await h.store.sessions.holdsLease(s.id, 'engine_a', first!)).toBe(false);
    expect(await h.store.sessions.renewLeases('engine_a', [{ id: s.id, token: first! }], at(4000))).toEqual(new Set());
    await h.store.sessions.releaseLease(s.id, 'engine_a', first!);
    expect(await h.store.sessions.holdsLease(s.id, 'engine_b', second!)).toBe(true);
    expect(await h.store.sessions.renewLeases('engine_b', [{ id: s.id, token: second! }], at(4000))).toEqual(new Set([s.id]));
    // The sweep skips a session under another owner's live lease, not under its own or a lapsed one.
    expect(await h.store.sessions.idsWithStatus(['running'], { owner: 'engine_a', now: at(3500) })).not.toContain(s.id);
    expect(await h.store.sessions.idsWithStatus(['running'], { owner: 'engine_b', now: at(3500) })).toContain(s.id);
    expect(await h.store.sessions.idsWithStatus(['running'], { owner: 'engine_a', now: at(5000) })).toContain(s.id);
    // The same owner re-acquiring (a restarted process) also gets a new token.
    const third = await h.store.sessions.acquireLease(s.id, 'engine_b', at(3600), at(5000));
    expect(third).toBeGreaterThan(second!);
    expect(await h.store.sessions.holdsLease(s.id, 'engine_b', second!)).toBe(false);
    await h.store.sessions.releaseLease(s.id, 'engine_b', third!);
    expect(await h.store.sessions.holdsLease(s.id, 'engine_b', third!)).toBe(false);
    expect(await h.store.sessions.acquireLease(s.id, 'engine_a', at(3700), at(5000))).toBeGreaterThan(third!);
  });

  it('renews many leases in one pass: those still held under their token, across statements', async () => {
    const [a, b, c] = [1, 2, 3].map((i) => sessionRecord(i, { status: 'running' }));
    for (const s of [a!, b!, c!]) await h.store.sessions.insert(s);
    const ta = await h.store.sessions.acquireLease(a!.id, 'engine_a', at(0), at(1000));
    const tbOld = await h.store.sessions.acquireLease(b!.id, 'engine_a', at(0), at(1000));
    // b re-acquired by the same owner (a newer token); c lapsed and taken over by another owner.
    await h.store.sessions.acquireLease(b!.id, 'engine_a', at(100), at(1000));
    const tc = await h.store.sessions.acquireLease(c!.id, 'engine_a', at(0), at(1000));
    await h.store.sessions.acquireLease(c!.id, 'engine_b', at(2000), at(3000));
    const leases = [
      { id: a!.id, token: ta! },
      { id: b!.id, token: tbOld! },
      { id: c!.id, token: tc! },
    ];
    expect(await h.store.sessions.renewLeases('engine_a', leases, at(9000))).toEqual(new Set([a!.id]));
    // a lives until 9000; b kept its old expiry (1000) and c is engine_b's (until 3000).
    expect(await h.store.sessions.acquireLease(a!.id, 'engine_b', at(5000), at(6000))).toBeUndefined();
    expect(await h.store.sessions.acquireLease(b!.id, 'engine_b', at(5000), at(6000))).toBeTypeOf('number');
    expect(await h.store.sessions.renewLeases('engine_a', [], at(9000))).toEqual(new Set());

    // More leases than one statement takes.
    const many = Array.from({ length: 450 }, (_, i) => sessionRecord(100 + i, { status: 'running' }));
    for (const s of many) await h.store.sessions.insert(s);
    const held = [];
    for (const s of many) held.push({ id: s.id, token: (await h.store.sessions.acquireLease(s.id, 'engine_a', at(0), at(1000)))! });
    expect((await h.store.sessions.renewLeases('engine_a', held, at(9000))).size).toBe(450);
    expect(await h.store.sessions.idsWithStatus(['running'], { owner: 'engine_b', now: at(5000) })).not.toContain(many[449]!.id);
  });

  it('keeps the first generated key digest', async () => {
    expect(await h.store.generatedKey.get()).toBeUndefined();
    expect(await h.store.generatedKey.claim('aa'.repeat(32), at(0))).toBe('aa'.repeat(32));
    expect(await h.store.generatedKey.claim('bb'.repeat(32), at(1))).toBe('aa'.repeat(32));
    expect(await h.store.generatedKey.get()).toBe('aa'.repeat(32));
  });

  it('inserts and gets a session with every field intact', async () => {
    const s = sessionRecord(0, {
      title: 'T',
      metadata: { k: 'v' },
      status: 'running',
      resources: [
        {
          resource: {
            type: 'github_repository',
            id: 'sesrsc_1',
            url: 'https://github.com/o/r',
            mount_path: '/workspace/r',
            checkout: null,
            created_at: at(0),
            updated_at: at(0),
          },
          secret: { authorization_token: 'ghp_secret' },
        },
      ],
      vaultIds: ['vlt_1', 'vlt_2'],
      usage: { input_tokens: 10, output_tokens: 5 },
      budget: { type: 'limit', max_list_cost: { amount: '2500', currency: 'USD' } },
      runtime: { listCostNanoUsd: 123_456_789, unpricedCalls: 1, activeMs: 4200, runningSince: at(50) },
      deploymentId: 'depl_1',
    });
    await h.store.sessions.insert(s);
    expect(await h.store.sessions.get(WS, s.id)).toEqual(s);
    expect(await h.store.sessions.get('wrkspc_other', s.id)).toBeUndefined();
    expect(await h.store.sessions.get(WS, 'sesn_missing')).toBeUndefined();
  });

  it("update changes the client's fields but never overwrites last_seq or what the engine wrote", async () => {
    const s = sessionRecord();
    await h.store.sessions.insert(s);
    await h.store.events.append(s.id, newEvents(3));
    const runtime = { listCostNanoUsd: 5, unpricedCalls: 1, activeMs: 0, runningSince: at(5) };
    await h.store.sessions.setRuntime(s.id, { status: 'running', usage: { input_tokens: 7 }, runtime }, at(5));
    // `s` is a stale copy (lastSeq 0, idle, no usage): writing it back must not rewind the log counter or the engine's
    // status and usage.
    const changed = { ...s, title: 'renamed', status: 'terminated' as const, usage: { input_tokens: 1 }, updatedAt: at(9000) };
    await h.store.sessions.update(changed);
    expect(await h.store.sessions.get(WS, s.id)).toEqual({ ...changed, lastSeq: 3, status: 'running', usage: { input_tokens: 7 }, runtime });
    await h.store.sessions.update({ ...changed, lastSeq: 100 });
    expect((await h.store.sessions.get(WS, s.id))?.lastSeq).toBe(3);
    const [next] = await h.store.events.append(s.id, newEvents(1));
    expect(next?.seq).toBe(4);
  });

  it('replaceResources is a compare-and-set that leaves status and usage alone', async () => {
    const s = sessionRecord(0, { status: 'running' });
    await h.store.sessions.insert(s);
    await h.store.sessions.setRuntime(s.id, { usage: { input_tokens: 7 } }, at(10));
    const file = {
      resource: { type: 'file' as const, id: 'sesrsc_f', file_id: 'file_1', mount_path: '/workspace/f', created_at: at(20), updated_at: at(20) },
    };
    expect(await h.store.sessions.replaceResources(s.id, [], [file], at(20))).toBe(true);
    // A writer holding a stale copy loses instead of overwriting.
    expect(await h.store.sessions.replaceResources(s.id, [], [], at(30))).toBe(false);
    const got = await h.store.sessions.get(WS, s.id);
    expect(got).toMatchObject({ resources: [file], status: 'running', usage: { input_tokens: 7 }, updatedAt: at(20) });
    // update() writes client fields from its copy but leaves resources to replaceResources.
    await h.store.sessions.update({ ...s, title: 'renamed' });
    expect(await h.store.sessions.get(WS, s.id)).toMatchObject({ title: 'renamed', resources: [file] });
    expect(await h.store.sessions.replaceResources(s.id, [file], [], at(40))).toBe(true);
    expect((await h.store.sessions.get(WS, s.id))?.resources).toEqual([]);
  });

  it('filters the list by agent, version, environment, deployment, status, archive and created_at', async () => {
    const a = sessionRecord(0, { agentId: 'agent_a', agentVersion: 1, status: 'idle' });
    const b = sessionRecord(1000, { agentId: 'agent_a', agentVersion: 2, status: 'running', environmentId: 'env_b' });
    const c = sessionRecord(2000, { agentId: 'agent_c', status: 'terminated', deploymentId: 'depl_1' });
    const d = sessionRecord(3000, { agentId: 'agent_a', agentVersion: 1, archivedAt: at(3500) });
    for (const s of [a, b, c, d]) await h.store.sessions.insert(s);
    const ids = async (f: Partial<SessionFilter>) =>
      (await h.store.sessions.list(WS, { ...noFilter, ...f }, { limit: 10, order: 'asc' })).items.map((s) => s.id);

    expect(await ids({})).toEqual([a.id, b.id, c.id]);
    expect(await ids({ includeArchived: true })).toEqual([a.id, b.id, c.id, d.id]);
    expect(await ids({ agentId: 'agent_a' })).toEqual([a.id, b.id]);
    expect(await ids({ agentId: 'agent_a', agentVersion: 1 })).toEqual([a.id]);
    expect(await ids({ agentId: 'agent_a', agentVersion: 1, includeArchived: true })).toEqual([a.id, d.id]);
    expect(await ids({ statuses: ['running', 'terminated'] })).toEqual([b.id, c.id]);
    expect(await ids({ statuses: ['rescheduling'] })).toEqual([]);
    expect(await ids({ statuses: [] })).toEqual([a.id, b.id, c.id]);
    expect(await ids({ environmentId: 'env_b' })).toEqual([b.id]);
    expect(await ids({ deploymentId: 'depl_1' })).toEqual([c.id]);
    expect(await ids({ createdAt: { gte: at(1000), lt: at(2000) } })).toEqual([b.id]);
  });

  it('pages the list by keyset in both orders and both directions', async () => {
    const sessions = Array.from({ length: 6 }, (_, i) => sessionRecord(i * 1000));
    for (const s of sessions) await h.store.sessions.insert(s);
    const list = (page: Parameters<typeof h.store.sessions.list>[2]) => h.store.sessions.list(WS, noFilter, page);
    const ids = sessions.map((s) => s.id);
    await expectKeysetWalks(list, (s) => s.id, 'desc', 4, [...ids].reverse());
    await expectKeysetWalks(list, (s) => s.id, 'asc', 4, ids);
  });

  it('delete removes the session and its events, and leaves other sessions alone', async () => {
    const s = sessionRecord();
    const other = sessionRecord(1000);
    await h.store.sessions.insert(s);
    await h.store.sessions.insert(other);
    const [first] = await h.store.events.append(s.id, newEvents(2));
    await h.store.events.append(other.id, newEvents(2));
    await h.store.sessions.delete(s.id);
    expect(await h.store.sessions.get(WS, s.id)).toBeUndefined();
    expect(await h.store.events.after(s.id, 0, 10)).toEqual([]);
    expect(await h.store.events.get(s.id, first!.id)).toBeUndefined();
    expect(await h.store.events.list(s.id, { createdAt: {} }, { limit: 10, order: 'asc' })).toEqual({
      items: [],
      hasMore: false,
    });
    expect(await h.store.events.after(other.id, 0, 10)).toHaveLength(2);
  });

  it('counts active (not terminated, not archived) sessions in an environment', async () => {
    const inEnv = (ms: number, over: Parameters<typeof sessionRecord>[1]) =>
      sessionRecord(ms, { environmentId: 'env_a', ...over });
    for (const s of [
      inEnv(0, { status: 'idle' }),
      inEnv(1, { status: 'running' }),
      inEnv(2, { status: 'rescheduling' }),
      inEnv(3, { status: 'terminated' }),
      inEnv(4, { status: 'idle', archivedAt: at(5) }),
      sessionRecord(5, { environmentId: 'env_b', status: 'running' }),
    ]) {
      await h.store.sessions.insert(s);
    }
    expect(await h.store.sessions.countActiveInEnvironment('env_a')).toBe(3);
    expect(await h.store.sessions.countActiveInEnvironment('env_b')).toBe(1);
    expect(await h.store.sessions.countActiveInEnvironment('env_none')).toBe(0);
  });
}
