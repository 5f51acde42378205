// The PostgreSQL event bus between two processes' worth of parts (two stores, two buses) on one
// database: announcements arrive only on commit, and a follower whose bus lost its listening
// connection catches up on what was committed meanwhile.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import { CHANNELS, NotifyEventBus } from '../../src/events/notify-event-bus.js';
import { LISTENER_NAME } from '../../src/store/postgres/pg-listener.js';
import { EventLog } from '../../src/events/event-log.js';
import { followLog } from '../../src/events/log-follower.js';
import type { EventRecord, Store } from '../../src/store/types.js';
import { pino } from 'pino';
import { createPostgresDatabase } from '../helpers/databases.js';
import { newEvents, sessionRecord } from '../store/fixtures.js';

const quiet = pino({ level: 'silent' });

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Counts the store's reads of events (a process with no followers of a session reads none of its records). */
function spyOnReads(store: Store): () => number {
  let n = 0;
  const after = store.events.after.bind(store.events);
  store.events.after = (...args) => {
    n += 1;
    return after(...args);
  };
  return () => n;
}

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('NotifyEventBus (postgres)', () => {
  let url: string;
  let drop: () => Promise<void>;
  let writerStore: Store;
  let readerStore: Store;
  let writerBus: NotifyEventBus;
  let readerBus: NotifyEventBus;

  beforeAll(async () => {
    ({ url, drop } = await createPostgresDatabase());
    writerStore = await openPostgresStore(url);
    readerStore = await openPostgresStore(url);
    writerBus = new NotifyEventBus(writerStore, writerStore.signals!, quiet, 'writer');
    readerBus = new NotifyEventBus(readerStore, readerStore.signals!, quiet, 'reader');
    await writerBus.start();
    await readerBus.start();
  });
  afterAll(async () => {
    await writerBus?.close();
    await readerBus?.close();
    await writerStore?.close();
    await readerStore?.close();
    await drop?.();
  });

  function follow(sessionId: string) {
    const seen: EventRecord[] = [];
    const stop = followLog({
      store: readerStore,
      bus: readerBus,
      sessionId,
      afterSeq: 0,
      deliver: (records) => void seen.push(...records),
      onEnd: () => {},
      onError: (err) => {
        throw err;
      },
    });
    return { seen, stop };
  }

  it('announces a commit to the other process, and a rolled-back append never', async () => {
    const session = sessionRecord();
    await writerStore.sessions.insert(session);
    const heard: number[] = [];
    const stop = readerBus.subscribe(session.id, {
      onEvents: (records) => void heard.push(...records.map((r) => r.seq)),
      onEnd: () => {},
      onMissed: () => {},
    });
    const log = new EventLog(writerStore, writerBus);
    await expect(
      log.transaction(async (_tx, emit) => {
        await emit(session.id, newEvents(1));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await log.append(session.id, newEvents(2));
    await until('the committed pair', () => heard.length === 2);
    // The rolled-back seq 1 was reused by the commit: only 1 and 2, each once.
    expect(heard).toEqual([1, 2]);
    stop();
  });

  it("tells the other process's engine of queued input from the notification alone, of its other commits only while it watches the session, and reads nothing for a session it does not follow", async () => {
    const session = sessionRecord(2);
    await writerStore.sessions.insert(session);
    const inputs: { types: readonly string[]; remote: { originRuns: boolean } | undefined }[] = [];
    const stopReader = readerBus.onInput((id, types, remote) => {
      if (id === session.id) inputs.push({ types, remote });
    });
    // The writer schedules sessions too (it has an input listener): its announcements say so.
    const stopWriter = writerBus.onInput(() => {});
    const reads = spyOnReads(readerStore);
    const log = new EventLog(writerStore, writerBus);
    const engineOutput = () => [{ ...newEvents(1, 'agent.message')[0]!, processedAt: '2026-01-01T00:00:00.000Z' }];
    await log.append(session.id, [...newEvents(1), ...newEvents(1, 'user.interrupt'), ...newEvents(1)]);
    // Engine output (processed as written) is not input: announced on the session's own channel, which this
    // process does not listen on yet (it neither streams nor runs the session).
    await log.append(session.id, engineOutput());
    let listening = false;
    const unwatch = readerBus.watch(session.id, () => (listening = true));
    await until('the watch to take hold', () => listening);
    // Now it comes, with no types (a runner of the session reads it again).
    await log.append(session.id, engineOutput());
    unwatch();
    stopWriter();
    await log.append(session.id, newEvents(1));
    await until('the three announcements', () => inputs.length === 3);
    await new Promise((r) => setTimeout(r, 200)); // nothing more comes
    expect(inputs).toEqual([
      { types: ['user.message', 'user.interrupt'], remote: { originRuns: true } },
      { types: [], remote: { originRuns: true } },
      { types: ['user.message'], remote: { originRuns: false } },
    ]);
    expect(reads()).toBe(0);
    stopReader();
  });

  it('a follower hears the engine\'s commits on the session\'s channel, and a follower whose watch is new reads the store again once it holds', async () => {
    const session = sessionRecord(4);
    await writerStore.sessions.insert(session);
    const missed: string[] = [];
    const subscriber = (name: string) => ({ onEvents: () => {}, onEnd: () => {}, onMissed: () => void missed.push(name) });
    const first = readerBus.subscribe(session.id, subscriber('first'));
    await until('the first watch to take hold', () => missed.length === 1);
    // The session's channel is listened on already: nothing can have gone unannounced to the second.
    const second = readerBus.subscribe(session.id, subscriber('second'));
    const follower = follow(session.id);
    const log = new EventLog(writerStore, writerBus);
    await log.append(session.id, [{ ...newEvents(1, 'agent.message')[0]!, processedAt: '2026-01-01T00:00:00.000Z' }]);
    await until('the engine output on the other process', () => follower.seen.length === 1);
    expect(missed).toEqual(['first']);
    first();
    second();
    follower.stop();
  });

  it('a fenced append (one statement on PostgreSQL) announces its numbers and its queued input; a stale fence announces nothing', async () => {
    const session = sessionRecord(3);
    await writerStore.sessions.insert(session);
    const token = (await writerStore.sessions.acquireLease(session.id, 'engine-w', '2026-01-01T00:00:00.000Z', '2099-01-01T00:00:00.000Z'))!;
    const inputs: string[][] = [];
    const stopInput = readerBus.onInput((id, types) => {
      if (id === session.id) inputs.push([...types]);
    });
    const follower = follow(session.id);
    const payloads: string[] = [];
    const listening = await readerStore.signals!.listen([CHANNELS.events], {
      onSignal: (_channel, payload) => void (payload.includes(session.id) && payloads.push(payload)),
      onDisconnected: () => {},
      onReconnected: () => {},
    });
    // Closed whatever happens: a listening connection left open would be counted by the next test.
    try {
      const log = new EventLog(writerStore, writerBus);
      await log.append(session.id, newEvents(2));
      const fenced = await log.appendFenced(session.id, [...newEvents(1, 'user.interrupt'), ...newEvents(2)], { owner: 'engine-w', token });
      expect(fenced.map((r) => r.seq)).toEqual([3, 4, 5]);
      await expect(log.appendFenced(session.id, newEvents(1), { owner: 'engine-w', token: token + 1 })).rejects.toThrow(/lease/i);
      await log.append(session.id, newEvents(1));
      await until('every committed event on the other process', () => follower.seen.length === 6);
      expect(follower.seen.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(follower.seen.slice(2, 5)).toEqual(fenced);
      await until('the announced input', () => inputs.length === 3);
      expect(inputs[1]).toEqual(['user.interrupt', 'user.message']);
      // This listening connection is not the bus's: its notifications may come a little later under load.
      await until('the three announcements on this connection', () => payloads.length >= 3);
      // The same text the transaction's announcement sends, with the numbers the statement gave.
      expect(payloads).toEqual([
        `writer ${session.id} 1 2 0 user.message`,
        `writer ${session.id} 3 5 0 user.interrupt,user.message`,
        `writer ${session.id} 6 6 0 user.message`,
      ]);
    } finally {
      await listening.close();
      follower.stop();
      stopInput();
    }
  });

  it('a follower catches up on what was committed while its listening connection was down', async () => {
    const session = sessionRecord(1);
    await writerStore.sessions.insert(session);
    const log = new EventLog(writerStore, writerBus);
    const follower = follow(session.id);
    await log.append(session.id, newEvents(1));
    await until('the first event', () => follower.seen.length === 1);

    // Committed the moment both listening connections are gone (the writer's own does not matter
    // to it), before the reader is back (it retries 100 ms after noticing): no notification reaches it.
    await log.transaction(async (_tx, emit) => {
      await emit(session.id, newEvents(2));
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        // The timeout form of pg_terminate_backend returns once the backend is gone.
        const cut = await admin.query(
          'SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
          [LISTENER_NAME],
        );
        expect(cut.rowCount).toBe(2);
      } finally {
        await admin.end();
      }
    });
    await until('the events committed during the outage', () => follower.seen.length === 3);
    expect(follower.seen.map((r) => r.seq)).toEqual([1, 2, 3]);
    // The reconnected connection listens on the session's channel again: engine output (no queued input) still comes.
    await log.append(session.id, [{ ...newEvents(1, 'agent.message')[0]!, processedAt: '2026-01-01T00:00:00.000Z' }]);
    await until('engine output after the reconnect', () => follower.seen.length === 4);
    follower.stop();
  });
});
