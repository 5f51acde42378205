// Conformance: EventRepository (contiguous per-session seq under concurrency, list/after/get).
import type { NewEvent, SessionEventType } from '../../../src/domain/records/event.js';
import { expect, it } from 'vitest';
import type { StoreHarness } from '../conformance.js';
import { LeaseLost } from '../../../src/store/errors.js';
import { at, expectKeysetWalks, newEvent, newEvents, sessionRecord, WS } from '../fixtures.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function eventConformance(h: StoreHarness): void {
  const session = async (ms = 0) => {
    const s = sessionRecord(ms);
    await h.store.sessions.insert(s);
    return s.id;
  };

  it('append assigns contiguous seq from 1 and keeps the body', async () => {
    const id = await session();
    const batch = [newEvent('user.message'), { ...newEvent('session.status_idle'), threadId: 'sthr_1', processedAt: at(5) }];
    const first = await h.store.events.append(id, batch);
    expect(first).toEqual(batch.map((e, i) => ({ ...e, sessionId: id, seq: i + 1 })));
    const second = await h.store.events.append(id, newEvents(3));
    expect(second.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(await h.store.events.append(id, [])).toEqual([]);
    expect((await h.store.sessions.get(WS, id))?.lastSeq).toBe(5);
    expect(await h.store.events.after(id, 0, 10)).toEqual([...first, ...second]);
  });

  it('concurrent appends to one session get 1..n with no duplicates or gaps', async () => {
    const id = await session();
    const batches = await Promise.all(Array.from({ length: 20 }, () => h.store.events.append(id, newEvents(3))));
    // Each append is atomic: its events are consecutive.
    for (const b of batches) expect(b.map((e) => e.seq)).toEqual(range(b[0]!.seq, b[0]!.seq + 2));
    expect(batches.flat().map((e) => e.seq).sort((x, y) => x - y)).toEqual(range(1, 60));
    const stored = await h.store.events.after(id, 0, 100);
    expect(stored.map((e) => e.seq)).toEqual(range(1, 60));
    expect(new Set(stored.map((e) => e.id)).size).toBe(60);
    expect((await h.store.sessions.get(WS, id))?.lastSeq).toBe(60);
  });

  it('sessions have independent sequences, also when appended concurrently', async () => {
    const a = await session(0);
    const b = await session(1000);
    await Promise.all([
      ...Array.from({ length: 5 }, () => h.store.events.append(a, newEvents(2))),
      ...Array.from({ length: 5 }, () => h.store.events.append(b, newEvents(2))),
    ]);
    expect((await h.store.events.after(a, 0, 100)).map((e) => e.seq)).toEqual(range(1, 10));
    expect((await h.store.events.after(b, 0, 100)).map((e) => e.seq)).toEqual(range(1, 10));
  });

  it('ranges reads several sessions\' stretches in one go, by session then seq', async () => {
    const a = await session(0);
    const b = await session(1000);
    const c = await session(2000);
    for (const id of [a, b, c]) await h.store.events.append(id, newEvents(6));
    const read = await h.store.events.ranges([
      { sessionId: b, first: 2, last: 3 },
      { sessionId: a, first: 5, last: 9 },
      { sessionId: 'sesn_missing', first: 1, last: 2 },
    ]);
    const sorted = [a, b].sort();
    const expected = sorted.flatMap((id) => (id === a ? [[a, 5], [a, 6]] : [[b, 2], [b, 3]]));
    expect(read.map((e) => [e.sessionId, e.seq])).toEqual(expected);
    expect(read[0]).toEqual((await h.store.events.after(read[0]!.sessionId, read[0]!.seq - 1, 1))[0]);
    expect(await h.store.events.ranges([])).toEqual([]);
    // What streams are shown: the engine's own data stays out of the read.
    const [withInternal] = await h.store.events.append(c, [{ ...newEvent('agent.tool_use'), internal: { tool_use_id: 'toolu_1', kind: 'builtin' } }] as NewEvent[]);
    const [shown] = await h.store.events.ranges([{ sessionId: c, first: withInternal!.seq, last: withInternal!.seq }]);
    const { internal, ...rest } = withInternal!;
    expect(internal).toBeDefined();
    expect(shown).toEqual(rest);
  });

  it('sessionsWithQueuedEvents lists sessions with unprocessed events; claimable leaves out those another owner holds a live lease on', async () => {
    const free = await session(0);
    const heldByOther = await session(1);
    const lapsed = await session(2);
    const own = await session(3);
    const processedOnly = await session(4);
    for (const id of [free, heldByOther, lapsed, own]) await h.store.events.append(id, newEvents(1));
    await h.store.events.append(processedOnly, [{ ...newEvent('agent.message'), processedAt: at(1) }]);
    expect(await h.store.sessions.acquireLease(heldByOther, 'engine-b', at(0), at(60_000))).toBeDefined();
    expect(await h.store.sessions.acquireLease(lapsed, 'engine-b', at(0), at(1_000))).toBeDefined();
    expect(await h.store.sessions.acquireLease(own, 'engine-a', at(0), at(60_000))).toBeDefined();
    const mine = (ids: string[]) => ids.filter((id) => [free, heldByOther, lapsed, own, processedOnly].includes(id)).sort();
    expect(mine(await h.store.events.sessionsWithQueuedEvents())).toEqual([free, heldByOther, lapsed, own].sort());
    expect(mine(await h.store.events.sessionsWithQueuedEvents({ owner: 'engine-a', now: at(5_000) }))).toEqual([free, lapsed, own].sort());
  });

  it('a fenced append writes only while the fence holds the lease, and then throws LeaseLost', async () => {
    const id = await session();
    const token = await h.store.sessions.acquireLease(id, 'engine-a', at(0), at(10_000));
    expect(await h.store.events.append(id, newEvents(1), { owner: 'engine-a', token: token! })).toHaveLength(1);
    await expect(h.store.events.append(id, newEvents(1), { owner: 'engine-a', token: token! + 1 })).rejects.toBeInstanceOf(LeaseLost);
    await expect(h.store.events.append(id, newEvents(1), { owner: 'engine-b', token: token! })).rejects.toBeInstanceOf(LeaseLost);
    expect((await h.store.events.after(id, 0, 10)).map((e) => e.seq)).toEqual([1]);
    expect((await h.store.sessions.findFenced(id, 'engine-a', token!))?.id).toBe(id);
    expect(await h.store.sessions.findFenced(id, 'engine-a', token! + 1)).toBeUndefined();
  });

  it('appendFenced numbers, keeps every field, interleaves with other appends, and refuses a stale fence', async () => {
    const id = await session();
    const token = (await h.store.sessions.acquireLease(id, 'engine-a', at(0), at(10_000)))!;
    const fence = { owner: 'engine-a', token };
    const odd = [
      { ...newEvent('agent.tool_use'), threadId: 'sthr_2', crossPosted: true, processedAt: at(3), internal: { started: true, note: 'a "quoted" \\ {brace}, é' } },
      { ...newEvent('agent.message'), processedAt: at(4) },
    ] as NewEvent[];
    const written = await h.store.events.appendFenced(id, odd, fence);
    expect(written).toEqual(odd.map((e, i) => ({ ...e, sessionId: id, seq: i + 1 })));
    expect(await h.store.events.after(id, 0, 10)).toEqual(written);
    // Alongside unfenced appends (a client's sends): every number once, each batch consecutive.
    const batches = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? h.store.events.appendFenced(id, newEvents(2), fence) : h.store.events.append(id, newEvents(2)))),
    );
    for (const b of batches) expect(b[1]!.seq).toBe(b[0]!.seq + 1);
    expect((await h.store.events.after(id, 0, 100)).map((e) => e.seq)).toEqual(range(1, 22));
    await expect(h.store.events.appendFenced(id, newEvents(1), { ...fence, token: token + 1 })).rejects.toBeInstanceOf(LeaseLost);
    await expect(h.store.events.appendFenced(id, newEvents(1), { ...fence, owner: 'engine-b' })).rejects.toBeInstanceOf(LeaseLost);
    expect((await h.store.sessions.find(id))?.lastSeq).toBe(22);
    expect(await h.store.events.appendFenced(id, [], fence)).toEqual([]);
    expect((await h.store.events.appendFenced(id, newEvents(1), fence))[0]!.seq).toBe(23);
  });

  it('appendToOpenSession appends only to a session of the workspace that takes input', async () => {
    const id = await session();
    await h.store.events.append(id, newEvents(1));
    const batch = newEvents(2);
    const written = await h.store.events.appendToOpenSession(WS, id, batch);
    expect(written).toEqual(batch.map((e, i) => ({ ...e, sessionId: id, seq: i + 2 })));
    expect((await h.store.events.after(id, 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3]);
    const archived = sessionRecord(1, { archivedAt: at(1) });
    const terminated = sessionRecord(2, { status: 'terminated' });
    for (const s of [archived, terminated]) await h.store.sessions.insert(s);
    for (const [workspace, target] of [['wrkspc_other', id], [WS, archived.id], [WS, terminated.id], [WS, 'sesn_missing']] as const) {
      expect(await h.store.events.appendToOpenSession(workspace, target, newEvents(1))).toBeUndefined();
    }
    expect((await h.store.sessions.find(id))?.lastSeq).toBe(3);
    for (const s of [archived, terminated]) expect(await h.store.events.after(s.id, 0, 10)).toEqual([]);
  });

  it('setInternalsFenced replaces engine data of several events while the fence holds, and nothing after', async () => {
    const id = await session();
    const token = (await h.store.sessions.acquireLease(id, 'engine-a', at(0), at(10_000)))!;
    const [a, b, c] = await h.store.events.append(id, newEvents(3, 'agent.tool_use'));
    const fence = { owner: 'engine-a', token };
    expect(await h.store.events.setInternalsFenced(id, [{ id: a!.id, internal: { started: 1 } }, { id: c!.id, internal: { started: 3 } }], fence)).toBe(true);
    const internals = async () => (await h.store.events.after(id, 0, 10)).map((e) => e.internal);
    expect(await internals()).toEqual([{ started: 1 }, undefined, { started: 3 }]);
    expect(await h.store.events.setInternalsFenced(id, [{ id: b!.id, internal: { started: 2 } }], { ...fence, token: token + 1 })).toBe(false);
    expect(await h.store.events.setInternalsFenced('sesn_missing', [{ id: b!.id, internal: { started: 2 } }], fence)).toBe(false);
    expect(await internals()).toEqual([{ started: 1 }, undefined, { started: 3 }]);
    // The same event twice in one write: the last value given is the one kept, as with one write after another.
    expect(await h.store.events.setInternalsFenced(id, [{ id: b!.id, internal: { n: 1 } }, { id: c!.id, internal: { n: 2 } }, { id: b!.id, internal: { n: 3 } }], fence)).toBe(true);
    expect(await internals()).toEqual([{ started: 1 }, { n: 3 }, { n: 2 }]);
  });

  it('lockLog returns the session it locked, and nothing for an unknown one', async () => {
    const id = await session();
    await h.store.events.append(id, newEvents(2));
    const locked = await h.store.transaction((tx) => tx.sessions.lockLog(id));
    expect(locked).toEqual(await h.store.sessions.find(id));
    expect(locked?.lastSeq).toBe(2);
    expect(await h.store.transaction((tx) => tx.sessions.lockLog('sesn_missing'))).toBeUndefined();
  });

  it('lockLog can reserve the numbers the same transaction then appends at; a rollback gives them back', async () => {
    const id = await session();
    await h.store.events.append(id, newEvents(2));
    const written = await h.store.transaction(async (tx) => {
      const locked = await tx.sessions.lockLog(id, 3);
      expect(locked?.lastSeq).toBe(5);
      return tx.events.append(id, newEvents(3), undefined, locked!.lastSeq);
    });
    expect(written.map((e) => e.seq)).toEqual([3, 4, 5]);
    await expect(
      h.store.transaction(async (tx) => {
        await tx.sessions.lockLog(id, 4);
        throw new Error('refused after the lock');
      }),
    ).rejects.toThrow('refused after the lock');
    expect((await h.store.sessions.find(id))?.lastSeq).toBe(5);
    expect((await h.store.events.append(id, newEvents(1)))[0]!.seq).toBe(6);
    expect((await h.store.events.after(id, 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(h.store.events.append(id, newEvents(1), undefined, 7)).rejects.toThrow(/same unfenced transaction/);
  });

  it('hasQueued sees unprocessed events past a seq only', async () => {
    const id = await session();
    await h.store.events.append(id, [newEvent('user.message'), { ...newEvent('agent.message'), processedAt: at(1) }]);
    expect(await h.store.events.hasQueued(id, 0)).toBe(true);
    expect(await h.store.events.hasQueued(id, 1)).toBe(false);
    await h.store.events.append(id, newEvents(1));
    expect(await h.store.events.hasQueued(id, 2)).toBe(true);
  });

  it('append to an unknown session throws and writes nothing', async () => {
    await expect(h.store.events.append('sesn_missing', newEvents(1))).rejects.toThrow();
    expect(await h.store.events.after('sesn_missing', 0, 10)).toEqual([]);
  });

  it('lists with a types filter and keyset paging', async () => {
    const id = await session();
    const types: SessionEventType[] = ['user.message', 'agent.message', 'agent.message', 'session.status_idle', 'agent.message', 'user.message'];
    const appended = await h.store.events.append(id, types.map((t, i) => newEvent(t, i * 1000)));
    const list = (filterTypes?: string[]) => (page: Parameters<typeof h.store.events.list>[2]) =>
      h.store.events.list(id, { types: filterTypes, createdAt: {} }, page);

    await expectKeysetWalks(list(), (e) => e.seq, 'asc', 4, range(1, 6));
    await expectKeysetWalks(list(), (e) => e.seq, 'desc', 4, range(1, 6).reverse());
    await expectKeysetWalks(list(['agent.message']), (e) => e.seq, 'asc', 2, [2, 3, 5]);
    await expectKeysetWalks(list(['user.message', 'session.status_idle']), (e) => e.seq, 'desc', 2, [6, 4, 1]);
    await expectKeysetWalks(list([]), (e) => e.seq, 'asc', 10, range(1, 6));

    const page = await h.store.events.list(id, { createdAt: { gte: at(2000), lt: at(4000) } }, { limit: 10, order: 'asc' });
    expect(page.items).toEqual(appended.slice(2, 4));
  });

  it('after(seq, limit) returns the tail oldest first', async () => {
    const id = await session();
    await h.store.events.append(id, newEvents(10));
    expect((await h.store.events.after(id, 0, 3)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await h.store.events.after(id, 7, 100)).map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(await h.store.events.after(id, 10, 100)).toEqual([]);
  });

  it('gets one event by id, only within its session', async () => {
    const id = await session();
    const other = await session(1000);
    const [, second] = await h.store.events.append(id, newEvents(2));
    expect(await h.store.events.get(id, second!.id)).toEqual(second);
    expect(await h.store.events.get(other, second!.id)).toBeUndefined();
    expect(await h.store.events.get(id, 'sevt_missing')).toBeUndefined();
  });
}
