// Every engine write checks the session lease's fencing token (src/engine/log-writer.ts), whichever path it takes:
// the one-statement appends and marker updates, and the transaction for everything else, including a write that
// appends nothing. Real stores on each dialect of the run.
import { afterAll, expect, it } from 'vitest';
import { noChanges } from '../../src/domain/changes/log-changes.js';
import { LogWriter } from '../../src/engine/log-writer.js';
import { InProcessEventBus } from '../../src/events/event-bus.js';
import { EventLog } from '../../src/events/event-log.js';
import { LeaseLost } from '../../src/store/errors.js';
import type { Store } from '../../src/store/types.js';
import { newEvents, sessionRecord } from '../store/fixtures.js';
import { describeOnStores, type TestStore } from '../helpers/test-stores.js';

const AT = '2026-12-06T00:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(AT) + ms).toISOString();
let ids = 0;
const newId = (prefix: string) => `${prefix}_${++ids}`;

function suite(open: () => Promise<TestStore>) {
  let opened: { store: Store; cleanup: () => Promise<void> } | undefined;
  afterAll(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });

  it('refuses every kind of write once the lease has passed to another owner', async () => {
    opened ??= await open();
    const { store } = opened;
    const session = sessionRecord();
    await store.sessions.insert(session);
    const token = (await store.sessions.acquireLease(session.id, 'engine-a', later(0), later(10_000)))!;
    const log = new EventLog(store, new InProcessEventBus());
    const writer = new LogWriter(log, session.id, newId as never, () => ({ owner: 'engine-a', token }));
    const [event] = await writer.apply({ ...noChanges(AT), events: newEvents(1, 'agent.message') });
    expect(event?.seq).toBe(1);
    // Another replica takes the session over (the lease lapsed while this one was stalled).
    await store.sessions.releaseLease(session.id, 'engine-a', token);
    expect(await store.sessions.acquireLease(session.id, 'engine-b', later(20_000), later(30_000))).toBeDefined();
    const stale = [
      { ...noChanges(AT), events: newEvents(1, 'agent.message') },
      { ...noChanges(AT), internals: [{ id: event!.id, internal: { tool_use_id: 'toolu_1', kind: 'builtin' as const, started: true } }] },
      { ...noChanges(AT), threadStatus: 'idle' as const },
      { ...noChanges(AT), status: 'idle' as const },
    ];
    for (const changes of stale) await expect(writer.apply(changes)).rejects.toBeInstanceOf(LeaseLost);
    expect((await store.events.after(session.id, 0, 10)).map((e) => [e.seq, e.internal])).toEqual([[1, undefined]]);
  });
}

describeOnStores('log writer fencing', suite);
