// The SQLite connection's helpers, on real database files: statements reused by SQL text, the log checkpointed by
// the background worker instead of inside the server's commits, and the connection handed to waiters one at a time.
import fs from 'node:fs';
import path from 'node:path';
import { createHook } from 'node:async_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Kysely, sql } from 'kysely';
import { HandoffLock, QueuedSqliteDialect } from '../../src/store/sqlite/queued-sqlite-dialect.js';
import { withStatementCache } from '../../src/store/sqlite/statement-cache.js';
import { checkpointInBackground } from '../../src/store/sqlite/wal-checkpointer.js';
import { until } from '../helpers/self-hosted.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs('agentd-sqlite-');
function dbFile(): string {
  return path.join(tempDir(), 'agentd.db');
}

function walDatabase(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)');
  return db;
}

describe('statement cache', () => {
  it('reuses a statement for the same SQL, prepares anew for other SQL and for a statement still iterating', () => {
    const raw = walDatabase(dbFile());
    const db = withStatementCache(raw, 2);
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    expect(db.prepare('INSERT INTO t (body) VALUES (?)')).toBe(insert);
    for (let i = 0; i < 3; i++) insert.run([Buffer.from([i])]);

    const select = db.prepare('SELECT id FROM t ORDER BY id');
    const iterating = select.iterate([]);
    iterating.next();
    const other = db.prepare('SELECT id FROM t ORDER BY id');
    expect(other).not.toBe(select);
    expect(other.all([])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    iterating.return?.();

    // Capacity 2: a third text evicts the least recently used one.
    db.prepare('SELECT count(*) AS n FROM t');
    db.prepare('SELECT max(id) AS n FROM t');
    expect(db.prepare('INSERT INTO t (body) VALUES (?)')).not.toBe(insert);
    db.close();
    expect(raw.open).toBe(false);
  });
});

describe('background checkpoints', () => {
  // A connection used only synchronously is idle whenever the event loop turns: nothing to wait for.
  const idle = async () => () => {};

  it('moves the log into the database file while the connection itself never checkpoints', async () => {
    const file = dbFile();
    const db = walDatabase(file);
    const release = checkpointInBackground(file, db, idle);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const dbSizeBefore = fs.statSync(file).size;
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    for (let i = 0; i < 500; i++) insert.run([Buffer.alloc(4096, i)]);
    // ~2 MB went into the log only; the worker copies it into the database file within about a second.
    await until('the checkpoint', () => (fs.statSync(file).size > dbSizeBefore + 1_500_000 ? true : undefined), 10_000);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 500 });
    await release();
    db.close();
  });

  it('serves several files and starts again after the last one was released', async () => {
    const [a, b] = [dbFile(), dbFile()];
    const [dbA, dbB] = [walDatabase(a), walDatabase(b)];
    const releaseA = checkpointInBackground(a, dbA, idle);
    const releaseB = checkpointInBackground(b, dbB, idle);
    await releaseA();
    await releaseB();
    dbA.close();
    dbB.close();

    const c = dbFile();
    const dbC = walDatabase(c);
    const releaseC = checkpointInBackground(c, dbC, idle);
    const before = fs.statSync(c).size;
    const insert = dbC.prepare('INSERT INTO t (body) VALUES (?)');
    for (let i = 0; i < 300; i++) insert.run([Buffer.alloc(4096, i)]);
    await until('the checkpoint', () => (fs.statSync(c).size > before + 1_000_000 ? true : undefined), 10_000);
    await releaseC();
    dbC.close();
  });
});

describe('the log under steady writes', () => {
  /** The log's second salt (bytes 20–23 of its header): SQLite draws a new one each time the log starts over. */
  const logGeneration = (wal: string) => {
    try {
      const fd = fs.openSync(wal, 'r');
      try {
        const header = Buffer.alloc(24);
        return fs.readSync(fd, header, 0, 24, 0) === 24 ? header.readUInt32BE(20) : undefined;
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return undefined; // not there yet, or truncated to nothing
    }
  };

  it.each([
    { how: 'in place', shrinkFrames: 1_000_000 },
    { how: 'shrinking its file', shrinkFrames: 128 },
  ])('starts the log over ($how) while transactions keep coming, holding them in the queue meanwhile, losing none', async ({ shrinkFrames }) => {
    const file = dbFile();
    const raw = walDatabase(file);
    const lock = new HandoffLock();
    const db = new Kysely<{ t: { id: number | null; body: Buffer } }>({ dialect: new QueuedSqliteDialect({ database: raw }, lock) });
    // 64 frames (256 KiB) instead of 16 MiB, so that a few seconds of writes pass it several times.
    const release = checkpointInBackground(file, raw, () => lock.holdFirst(), { limitFrames: 64, shrinkFrames });
    const wal = `${file}-wal`;
    try {
      let written = 0;
      const generations = new Set<number>();
      let largest = 0;
      let shrank = false;
      const until = Date.now() + 3_500;
      // Never a pause long enough for a PASSIVE checkpoint to finish between two writes: on its own SQLite would
      // never start this log over, and its file would hold everything written (one generation only).
      while (Date.now() < until) {
        await db.transaction().execute(async (tx) => {
          await tx.insertInto('t').values([{ id: null, body: Buffer.alloc(4096, written) }, { id: null, body: Buffer.alloc(4096, written + 1) }]).execute();
        });
        written += 2;
        const generation = logGeneration(wal);
        if (generation !== undefined) generations.add(generation);
        const size = fs.existsSync(wal) ? fs.statSync(wal).size : 0;
        if (size < largest) shrank = true;
        largest = Math.max(largest, size);
        await new Promise((r) => setTimeout(r, 1));
      }
      expect(generations.size).toBeGreaterThanOrEqual(3);
      expect(shrank).toBe(shrinkFrames < 1_000_000);
      const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
      expect(rows[0]!.n).toBe(written);
    } finally {
      await release();
      await db.destroy();
    }
  });
});

describe('queued connection', () => {
  const turn = () => new Promise((r) => setImmediate(r));

  it('hands the lock to one waiter per release, longest waiting first', async () => {
    const lock = new HandoffLock();
    const resumed: number[] = [];
    await lock.acquire();
    const waiters = [1, 2, 3].map((n) => lock.acquire().then(() => void resumed.push(n)));
    await turn();
    expect(resumed).toEqual([]);
    expect(lock.queued).toBe(3);
    lock.release();
    await turn();
    expect(resumed).toEqual([1]);
    lock.release();
    await turn();
    expect(resumed).toEqual([1, 2]);
    lock.release();
    await Promise.all(waiters);
    expect(resumed).toEqual([1, 2, 3]);
    lock.release();
    await lock.acquire(); // free again: taken at once
    expect(lock.queued).toBe(0);
  });

  it('hands the lock to one that asked first ahead of every waiter', async () => {
    const lock = new HandoffLock();
    const resumed: string[] = [];
    await lock.acquire();
    const waiters = [lock.acquire().then(() => void resumed.push('queued')), lock.acquireFirst().then(() => void resumed.push('first'))];
    lock.release();
    await turn();
    expect(resumed).toEqual(['first']);
    lock.release();
    await Promise.all(waiters);
    expect(resumed).toEqual(['first', 'queued']);
    lock.release();
    await lock.acquireFirst(); // free: taken at once
    expect(lock.queued).toBe(0);
  });

  it('runs concurrent transactions one at a time, in the order they asked, on the real database', async () => {
    const raw = walDatabase(dbFile());
    raw.exec('CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter (n) VALUES (0)');
    const db = new Kysely<{ counter: { n: number } }>({ dialect: new QueuedSqliteDialect({ database: raw }) });
    try {
      const order: number[] = [];
      // Each reads, yields to the event loop, and writes what it read plus one: any overlap loses an increment.
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          db.transaction().execute(async (tx) => {
            order.push(i);
            const { n } = await tx.selectFrom('counter').select('n').executeTakeFirstOrThrow();
            await turn();
            await tx.updateTable('counter').set({ n: n + 1 }).execute();
          }),
        ),
      );
      const { rows } = await sql<{ n: number }>`select n from counter`.execute(db);
      expect(rows[0]!.n).toBe(200);
      expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
    } finally {
      await db.destroy();
    }
  });

  it('costs a waiting transaction the same work however many wait (no wake-up of every waiter per release)', async () => {
    const raw = walDatabase(dbFile());
    raw.exec('CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter (n) VALUES (0)');
    const db = new Kysely<{ counter: { n: number } }>({ dialect: new QueuedSqliteDialect({ database: raw }) });
    // Promises made per transaction while `waiting` transactions queue for the connection: a lock that wakes every
    // waiter at each release (Kysely's own) makes ~waiting/2 more per transaction (104 at 50, 172 at 200).
    const promisesPerTransaction = async (waiting: number) => {
      let promises = 0;
      const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && promises++) }).enable();
      try {
        await Promise.all(
          Array.from({ length: waiting }, () =>
            db.transaction().execute(async (tx) => {
              const { n } = await tx.selectFrom('counter').select('n').executeTakeFirstOrThrow();
              await turn();
              await tx.updateTable('counter').set({ n: n + 1 }).execute();
            }),
          ),
        );
      } finally {
        hook.disable();
      }
      return promises / waiting;
    };
    try {
      await promisesPerTransaction(10); // warm-up
      const few = await promisesPerTransaction(50);
      const many = await promisesPerTransaction(200);
      expect(many / few).toBeLessThan(1.1);
    } finally {
      await db.destroy();
    }
  });
});
