// The runner folds its own writes from the records it wrote, and input this process's API appended
// from the records the bus published, and reads the log only when the session's row says something
// else was appended (src/engine/session-fold.ts). Whatever the interleaving with
// other writers, the state it reaches is the fold of the whole log, each event folded once. Real
// stores on both dialects; the store's reads are counted, not replaced.
import { afterAll, expect, it } from 'vitest';
import { noChanges, type LogChanges } from '../../src/domain/changes/log-changes.js';
import { foldLog } from '../../src/domain/fold.js';
import { PRIMARY_THREAD } from '../../src/domain/session-state.js';
import { LogWriter } from '../../src/engine/log-writer.js';
import { SessionFold } from '../../src/engine/session-fold.js';
import { InProcessEventBus } from '../../src/events/event-bus.js';
import { EventLog } from '../../src/events/event-log.js';
import type { Store } from '../../src/store/types.js';
import { newEvents, sessionRecord } from '../store/fixtures.js';
import { describeOnStores, type TestStore } from '../helpers/test-stores.js';

const AT = '2026-12-06T00:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(AT) + ms).toISOString();
let ids = 0;
const newId = (prefix: string) => `${prefix}_${++ids}`;

/** What a decision depends on, per thread: the conversation, the queues (by id), the status; and the cursor. */
function view(state: ReturnType<typeof foldLog>) {
  return {
    cursor: state.cursor,
    threads: [...state.threads.values()].map((t) => ({
      messages: t.messages,
      status: t.status,
      pendingInputs: t.pendingInputs.map((e) => e.id),
      pendingAnswers: t.pendingAnswers.map((e) => e.id),
    })),
    inputs: [...state.inputs.keys()],
  };
}

function suite(open: () => Promise<TestStore>) {
  let opened: { store: Store; cleanup: () => Promise<void> } | undefined;
  afterAll(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });

  async function setUp() {
    opened ??= await open();
    const { store } = opened;
    const session = sessionRecord(ids++);
    await store.sessions.insert(session);
    const token = (await store.sessions.acquireLease(session.id, 'engine-a', later(0), later(60_000)))!;
    const log = new EventLog(store, new InProcessEventBus());
    const writer = new LogWriter(log, session.id, newId as never, () => ({ owner: 'engine-a', token }));
    const fold = new SessionFold(session.id);
    // As the engine does for the sessions it runs: what this process commits is heard (own writes included).
    log.bus.subscribeAll((id, records) => id === session.id && heard && fold.heard(records));
    let heard = true;
    let reads = 0;
    const counted: Store = { ...store, events: { ...store.events, after: (...args) => (reads++, store.events.after(...args)) } };
    /** A write as the runner makes it: applied (its records heard), then mirrored on the fold. */
    const write = async (changes: LogChanges) => {
      const written = await writer.apply(changes);
      fold.patch(changes, PRIMARY_THREAD);
      return written;
    };
    const lastSeq = async () => (await store.sessions.find(session.id))!.lastSeq;
    const wholeLog = async () => foldLog(await store.events.after(session.id, 0, 1000));
    /** Another process's append: committed, and not heard by this one. */
    const appendElsewhere = async (events: ReturnType<typeof newEvents>) => {
      heard = false;
      try {
        return await log.append(session.id, events);
      } finally {
        heard = true;
      }
    };
    return { store: counted, log, session, fold, write, lastSeq, wholeLog, appendElsewhere, reads: () => reads };
  }

  it('folds its own writes without reading them back', async () => {
    const t = await setUp();
    // The client's message, appended before the runner starts (it heard nothing): read once.
    await t.appendElsewhere(newEvents(1, 'user.message'));
    await t.fold.refresh(t.store, await t.lastSeq());
    expect(t.reads()).toBe(1);
    await t.write({ ...noChanges(AT), events: newEvents(2, 'agent.message') });
    await t.write({ ...noChanges(AT), status: 'idle', events: newEvents(1, 'agent.message') });
    const state = await t.fold.refresh(t.store, await t.lastSeq());
    expect(t.reads()).toBe(1);
    expect(view(state)).toEqual(view(await t.wholeLog()));
    expect(state.cursor).toBe(await t.lastSeq());
  });

  it('reads what another writer appended between its own writes, folding every event once', async () => {
    const t = await setUp();
    await t.fold.refresh(t.store, await t.lastSeq());
    await t.write({ ...noChanges(AT), events: newEvents(2, 'agent.message') });
    // A client's message lands between two of the runner's writes (another replica's API).
    await t.appendElsewhere(newEvents(1, 'user.message'));
    await t.write({ ...noChanges(AT), events: newEvents(1, 'agent.message') });
    const before = t.reads();
    const state = await t.fold.refresh(t.store, await t.lastSeq());
    expect(t.reads()).toBe(before + 1);
    expect(view(state)).toEqual(view(await t.wholeLog()));
    expect(state.threads.get(PRIMARY_THREAD)!.pendingInputs).toHaveLength(1);
  });

  it('reads what was appended after its own writes, when the session row says the log holds more', async () => {
    const t = await setUp();
    await t.fold.refresh(t.store, await t.lastSeq());
    await t.write({ ...noChanges(AT), events: newEvents(1, 'agent.message') });
    await t.appendElsewhere(newEvents(2, 'user.message'));
    const state = await t.fold.refresh(t.store, await t.lastSeq());
    expect(view(state)).toEqual(view(await t.wholeLog()));
    expect(state.threads.get(PRIMARY_THREAD)!.pendingInputs).toHaveLength(2);
  });

  it("folds input this process's API appended, between and after its own writes, without reading it", async () => {
    const t = await setUp();
    await t.fold.refresh(t.store, await t.lastSeq());
    await t.write({ ...noChanges(AT), events: newEvents(2, 'agent.message') });
    await t.log.append(t.session.id, newEvents(1, 'user.message'));
    await t.write({ ...noChanges(AT), events: newEvents(1, 'agent.message') });
    await t.log.append(t.session.id, newEvents(2, 'user.message'));
    const before = t.reads();
    const state = await t.fold.refresh(t.store, await t.lastSeq());
    expect(t.reads()).toBe(before);
    expect(view(state)).toEqual(view(await t.wholeLog()));
    expect(state.threads.get(PRIMARY_THREAD)!.pendingInputs).toHaveLength(3);
    // Heard, then another process's append after it: the rest is read, each event folded once.
    await t.log.append(t.session.id, newEvents(1, 'user.message'));
    await t.appendElsewhere(newEvents(1, 'user.message'));
    const after = await t.fold.refresh(t.store, await t.lastSeq());
    expect(t.reads()).toBe(before + 1);
    expect(view(after)).toEqual(view(await t.wholeLog()));
  });

  // A held write (SessionRunner: a tool's result goes with the next request's start) is folded before it is written.
  it('folds a held write ahead of it, and writing it with the next write reads nothing', async () => {
    const t = await setUp();
    await t.appendElsewhere(newEvents(1, 'user.message'));
    await t.fold.refresh(t.store, await t.lastSeq());
    const held = newEvents(2, 'agent.message');
    expect(t.fold.foldAhead(held)).toBe(true);
    expect(t.fold.state.cursor).toBe((await t.lastSeq()) + 2);
    const before = t.reads();
    const written = await t.write({ ...noChanges(AT), events: [...held, ...newEvents(1, 'agent.message')] });
    await t.fold.settleAhead(t.store, written);
    const state = await t.fold.refresh(t.store, await t.lastSeq());
    expect(t.reads()).toBe(before);
    expect(view(state)).toEqual(view(await t.wholeLog()));
    expect(state.cursor).toBe(await t.lastSeq());
  });

  for (const where of ['this process', 'another process'] as const) {
    it(`input appended by ${where} between the fold ahead and the write: the state is folded again from the log`, async () => {
      const t = await setUp();
      await t.fold.refresh(t.store, await t.lastSeq());
      const held = newEvents(1, 'agent.message');
      expect(t.fold.foldAhead(held)).toBe(true);
      const input = newEvents(1, 'user.message');
      if (where === 'this process') await t.log.append(t.session.id, input);
      else await t.appendElsewhere(input);
      const before = t.reads();
      const written = await t.write({ ...noChanges(AT), events: [...held, ...newEvents(1, 'agent.message')] });
      // The held event got the number after the input's, not the one it was folded under.
      expect(written[0]!.seq).toBe(t.fold.state.cursor + 1);
      await t.fold.settleAhead(t.store, written);
      expect(t.reads()).toBe(before + 1);
      const state = await t.fold.refresh(t.store, await t.lastSeq());
      expect(view(state)).toEqual(view(await t.wholeLog()));
      expect(state.threads.get(PRIMARY_THREAD)!.pendingInputs.map((e) => e.id)).toEqual([input[0]!.id]);
      expect(state.cursor).toBe(await t.lastSeq());
    });
  }

  it('does not fold ahead past a gap in what it heard (the write is made at once instead)', async () => {
    const t = await setUp();
    await t.fold.refresh(t.store, await t.lastSeq());
    await t.appendElsewhere(newEvents(1, 'user.message'));
    await t.log.append(t.session.id, newEvents(1, 'user.message'));
    const cursor = t.fold.state.cursor;
    expect(t.fold.foldAhead(newEvents(1, 'agent.message'))).toBe(false);
    expect(t.fold.state.cursor).toBe(cursor);
  });
}

describeOnStores('session fold of own writes', suite);
