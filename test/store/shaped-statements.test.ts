// Statements cached by shape (src/store/kysely/shaped-statements.ts) run exactly what Kysely would have built, on
// both dialects: the same rows stored when a shape's text is reused, and a call the shape's text would get wrong (a
// value left undefined, rows whose columns differ) built afresh instead.
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsShape, rowValues, runShaped } from '../../src/store/kysely/shaped-statements.js';
import { createPostgresDatabase, testPool } from '../helpers/databases.js';

interface Things {
  things: { a: string; b: string | undefined; c: string | null | undefined };
}
type Row = { a: string; b?: string | undefined; c?: string | null | undefined };

function shapedSuite(open: () => Promise<{ db: Kysely<Things>; close: () => Promise<void> }>) {
  let db: Kysely<Things>;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await open());
    await sql`create table things (a text not null, b text not null default 'dflt', c text)`.execute(db);
  });
  afterAll(async () => close?.());

  const insert = (rows: Row[]) => {
    const { columns, key } = rowsShape(rows);
    return runShaped(db, `insert things ${key}`, rowValues(rows, columns), () => db.insertInto('things').values(rows));
  };
  const all = async () => (await db.selectFrom('things').selectAll().orderBy('a').execute()).map((r) => ({ ...r }));

  it('reuses a shape with fresh values, and builds afresh what its text would get wrong', async () => {
    await insert([{ a: '1', b: 'B1', c: null }, { a: '2', b: 'B2', c: 'C2' }]);
    await insert([{ a: '3', b: 'B3', c: 'C3' }, { a: '4', b: 'B4', c: null }]); // the cached text
    await insert([{ a: '6', b: 'B6', c: 'C6' }]);
    // Undefined: Kysely leaves the column to its default; the shape's text would bind NULL (NOT NULL fails).
    await insert([{ a: '5', b: undefined, c: 'C5' }]);
    // A second row with a column the first lacks, after the first row's own shape was cached: nothing dropped.
    await insert([{ a: '7', b: 'B7' }, { a: '9', b: 'B9' }]);
    await insert([{ a: '8', b: 'B8' }, { a: '10', b: 'B10', c: 'C10' }]);
    const rows = await all();
    expect(rows.sort((x, y) => Number(x.a) - Number(y.a))).toEqual([
      { a: '1', b: 'B1', c: null },
      { a: '2', b: 'B2', c: 'C2' },
      { a: '3', b: 'B3', c: 'C3' },
      { a: '4', b: 'B4', c: null },
      { a: '5', b: 'dflt', c: 'C5' },
      { a: '6', b: 'B6', c: 'C6' },
      { a: '7', b: 'B7', c: null },
      { a: '8', b: 'B8', c: null },
      { a: '9', b: 'B9', c: null },
      { a: '10', b: 'B10', c: 'C10' },
    ]);
  });
}

describe('shaped statements (sqlite)', () => {
  shapedSuite(async () => {
    const db = new Kysely<Things>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    return { db, close: () => db.destroy() };
  });
});

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('shaped statements (postgres)', () => {
  shapedSuite(async () => {
    const database = await createPostgresDatabase();
    const db = new Kysely<Things>({ dialect: new PostgresDialect({ pool: testPool(database.url, 2) }) });
    return {
      db,
      close: async () => {
        await db.destroy();
        await database.drop();
      },
    };
  });
});
