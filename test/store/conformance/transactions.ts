// Conformance: transaction() commits or rolls back as a whole; data survives close + reopen.
import { expect, it } from 'vitest';
import type { StoreHarness } from '../conformance.js';
import { agentRecord, environmentRecord, fileRecord, newEvents, sessionRecord, WS } from '../fixtures.js';

export function transactionConformance(h: StoreHarness): void {
  it('rolls back every write when the function throws, and rethrows', async () => {
    const s = sessionRecord();
    await h.store.sessions.insert(s);
    const a = agentRecord();
    const e = environmentRecord();
    const boom = new Error('boom');
    await expect(
      h.store.transaction(async (tx) => {
        await tx.agents.insert(a);
        await tx.environments.insert(e);
        await tx.events.append(s.id, newEvents(2));
        expect(await tx.agents.get(WS, a.id)).toEqual(a); // the transaction sees its own writes
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await h.store.agents.get(WS, a.id)).toBeUndefined();
    expect(await h.store.agents.getVersion(a.id, 1)).toBeUndefined();
    expect(await h.store.environments.get(WS, e.id)).toBeUndefined();
    expect(await h.store.events.after(s.id, 0, 10)).toEqual([]);
    // The sequence counter rolled back too: the next event is still number 1.
    expect((await h.store.sessions.get(WS, s.id))?.lastSeq).toBe(0);
    expect((await h.store.events.append(s.id, newEvents(1)))[0]?.seq).toBe(1);
  });

  it('commits every write otherwise, and returns the function result', async () => {
    const a = agentRecord();
    const e = environmentRecord();
    const result = await h.store.transaction(async (tx) => {
      await tx.agents.insert(a);
      await tx.environments.insert(e);
      return 42;
    });
    expect(result).toBe(42);
    expect(await h.store.agents.get(WS, a.id)).toEqual(a);
    expect(await h.store.environments.get(WS, e.id)).toEqual(e);
  });

  it('a nested transaction joins the outer one and rolls back with it', async () => {
    const inner = agentRecord(0);
    const outer = agentRecord(1000);
    await expect(
      h.store.transaction(async (tx) => {
        await tx.agents.insert(outer);
        await tx.transaction((tx2) => tx2.agents.insert(inner));
        throw new Error('outer fails after inner succeeded');
      }),
    ).rejects.toThrow('outer fails');
    expect(await h.store.agents.get(WS, inner.id)).toBeUndefined();
    expect(await h.store.agents.get(WS, outer.id)).toBeUndefined();
  });

  it('a failed statement inside a transaction rolls back the earlier ones', async () => {
    const taken = environmentRecord(0, 'taken');
    await h.store.environments.insert(taken);
    const a = agentRecord();
    await expect(
      h.store.transaction(async (tx) => {
        await tx.agents.insert(a);
        await tx.environments.insert(environmentRecord(1000, 'taken'));
      }),
    ).rejects.toThrow();
    expect(await h.store.agents.get(WS, a.id)).toBeUndefined();
  });

  it('keeps everything across close and reopen', async () => {
    const a = agentRecord();
    const e = environmentRecord();
    const s = sessionRecord();
    const f = fileRecord(0, { scopeSessionId: s.id });
    await h.store.agents.insert(a);
    await h.store.environments.insert(e);
    await h.store.sessions.insert(s);
    const events = await h.store.events.append(s.id, newEvents(3));
    await h.store.files.insert(f);

    const store = await h.reopen();
    expect(await store.agents.get(WS, a.id)).toEqual(a);
    expect(await store.agents.getVersion(a.id, 1)).toBeDefined();
    expect(await store.environments.get(WS, e.id)).toEqual(e);
    expect(await store.sessions.get(WS, s.id)).toEqual({ ...s, lastSeq: 3 });
    expect(await store.events.after(s.id, 0, 10)).toEqual(events);
    expect(await store.files.get(WS, f.id)).toEqual(f);
    expect((await store.events.append(s.id, newEvents(1)))[0]?.seq).toBe(4);
  });
}
