// Repeated queries run as named (server-side prepared) statements on the real PostgreSQL, and a
// statement whose table a migration altered (another replica's, in a rolling upgrade) recovers:
// outside a transaction it is run again unnamed, inside one the error stands once and the next use
// prepares it afresh.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameRepeatedStatements } from '../../src/store/postgres/named-statements.js';
import { createPostgresDatabase, testPool } from '../helpers/databases.js';

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('named statements (postgres)', () => {
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let pool: pg.Pool;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await createPostgresDatabase();
    // One connection, so what it prepared can be read back from pg_prepared_statements.
    pool = testPool(db.url, 1);
    nameRepeatedStatements(pool);
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.end();
    await db?.drop();
  });

  const prepared = async () =>
    (await pool.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements order by name')).rows;

  it('names a parameterised text from its second use on, and only that', async () => {
    const text = 'select $1::int + 1 as n';
    expect((await pool.query(text, [1])).rows).toEqual([{ n: 2 }]);
    expect(await prepared()).toEqual([]);
    expect((await pool.query(text, [2])).rows).toEqual([{ n: 3 }]);
    expect((await pool.query(text, [3])).rows).toEqual([{ n: 4 }]);
    expect(await prepared()).toEqual([{ name: expect.stringMatching(/^agentd_\d+$/), statement: text }]);
  });

  it('recovers from a table altered under a prepared statement, outside and inside a transaction', async () => {
    await admin.query('create table things (id int primary key, label text)');
    await admin.query("insert into things values (1, 'one')");
    const text = 'select * from things where id = $1';
    for (let i = 0; i < 3; i++) expect((await pool.query(text, [1])).rows).toEqual([{ id: 1, label: 'one' }]);
    expect((await prepared()).map((p) => p.statement)).toContain(text);

    // Outside a transaction: answered at once, with the new column.
    await admin.query('alter table things add column colour text');
    expect((await pool.query(text, [1])).rows).toEqual([{ id: 1, label: 'one', colour: null }]);

    // Named again (two more uses), then altered again, inside a transaction: it fails once.
    for (let i = 0; i < 3; i++) await pool.query(text, [1]);
    await admin.query('alter table things add column size int');
    const client = await pool.connect();
    try {
      await client.query('begin', []);
      await expect(client.query(text, [1])).rejects.toMatchObject({ code: '0A000' });
      await client.query('rollback', []);
      expect((await client.query(text, [1])).rows).toEqual([{ id: 1, label: 'one', colour: null, size: null }]);
    } finally {
      client.release();
    }
  });
});
