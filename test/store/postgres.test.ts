// Runs the store conformance suite against PostgreSQL (only when AGENTD_TEST_DATABASE_URL is set),
// plus what only a server database can do to its clients.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectPostgres, openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import { LISTENER_NAME } from '../../src/store/postgres/pg-listener.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { describeStoreConformance } from './conformance.js';
import { agentRecord, WS } from './fixtures.js';

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('postgres', () => {
  describeStoreConformance('postgres', async () => {
    const db = await createPostgresDatabase();
    return { store: await openPostgresStore(db.url), reopen: () => openPostgresStore(db.url), cleanup: db.drop };
  });

  it('lists by creation time in a database whose default collation is linguistic', async () => {
    // Ids sort by creation only in byte order ('Z' < 'a'); en-US would put 'a' before 'Z'.
    const db = await createPostgresDatabase({ icuLocale: 'en-US' });
    const store = await openPostgresStore(db.url);
    try {
      // 62 consecutive milliseconds: the last digit of the id's time part walks 0-9, A-Z, a-z.
      const agents = Array.from({ length: 62 }, (_, i) => agentRecord(i));
      for (const a of agents) await store.agents.insert(a);
      const page = await store.agents.list(WS, { includeArchived: false, createdAt: {} }, { limit: 100, order: 'asc' });
      expect(page.items.map((a) => a.id)).toEqual(agents.map((a) => a.id));
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it("keeps the start's connection check open as the listening connection, and closes it with the store if nothing listens", async () => {
    const db = await createPostgresDatabase();
    const name = new URL(db.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.AGENTD_TEST_DATABASE_URL });
    await admin.connect();
    const listeners = async () =>
      (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [name, LISTENER_NAME])).rows.map((r) => r.pid);
    try {
      const checked = await connectPostgres(db.url);
      if (!('client' in checked)) throw new Error(checked.problem);
      const [checkPid] = await listeners();
      expect(checkPid).toBeDefined();
      const store = await openPostgresStore(db.url, checked.client);
      const heard: string[] = [];
      const listener = await store.signals!.listen(['agentd_test'], { onSignal: (_c, p) => heard.push(p), onDisconnected: () => {}, onReconnected: () => {} });
      // The same backend listens: no second connection was made for it.
      expect(await listeners()).toEqual([checkPid]);
      await store.signals!.send('agentd_test', 'hello');
      await expect.poll(() => heard).toEqual(['hello']);
      await listener.close();
      await store.close();

      const unused = await connectPostgres(db.url);
      if (!('client' in unused)) throw new Error(unused.problem);
      await (await openPostgresStore(db.url, unused.client)).close();
      await expect.poll(listeners).toEqual([]);
      expect(await connectPostgres('postgres://postgres@127.0.0.1:1/none')).toEqual({ problem: expect.stringContaining('ECONNREFUSED') });
    } finally {
      await admin.end();
      await db.drop();
    }
  });

  it('survives the server dropping its idle connections', async () => {
    const db = await createPostgresDatabase();
    const store = await openPostgresStore(db.url);
    try {
      const a = agentRecord();
      await store.agents.insert(a);
      const admin = new pg.Client({ connectionString: process.env.AGENTD_TEST_DATABASE_URL });
      await admin.connect();
      try {
        const killed = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [new URL(db.url).pathname.slice(1)],
        );
        expect(killed.rowCount).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      // Let the termination notices arrive; an unhandled pool error would crash the run here.
      await new Promise((r) => setTimeout(r, 200));
      expect(await store.agents.get(WS, a.id)).toEqual(a);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
