// A new PostgreSQL database gets its schema in one statement (src/store/postgres/fresh-schema.ts): the migrator's
// statements recorded against an empty database and sent together. It must make the database Kysely's migrator
// makes (catalog, applied migrations, rows, their time), hold when two processes open the same new database at
// once, and leave to the migrator whatever a recording cannot stand for. Real PostgreSQL.
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, sql, type Migration } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationNames, migrationProvider } from '../../src/store/kysely/migrations/index.js';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import { freshSchemaScript } from '../../src/store/postgres/fresh-schema.js';
import { createPostgresDatabase, testPool } from '../helpers/databases.js';

type Created = Awaited<ReturnType<typeof createPostgresDatabase>>;
const created: Created[] = [];
async function newDatabase(): Promise<string> {
  const db = await createPostgresDatabase();
  created.push(db);
  return db.url;
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Everything of the schema a difference would show in: columns, indexes, constraints, and each table's rows. */
async function catalog(url: string) {
  const columns = await query(
    url,
    `select table_name, column_name, ordinal_position, data_type, is_nullable, column_default, collation_name
       from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position`,
  );
  const indexes = await query(url, `select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by tablename, indexname`);
  const constraints = await query(
    url,
    `select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def
       from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`,
  );
  const tables = (await query<{ table_name: string }>(url, `select table_name from information_schema.tables where table_schema = 'public' order by 1`)).map(
    (t) => t.table_name,
  );
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = Number((await query<{ n: string }>(url, `select count(*) as n from "${t}"`))[0]!.n);
  return { columns, indexes, constraints, counts };
}

/** The migrator alone, as before this change: every statement on its own. */
async function migrateOneByOne(url: string): Promise<void> {
  const pool = testPool(url, 2);
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true }).migrateToLatest();
    expect(error).toBeUndefined();
  } finally {
    await db.destroy();
  }
}

const applied = (url: string) => query<{ name: string; timestamp: string }>(url, 'select name, timestamp from kysely_migration order by name');

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('a new PostgreSQL database in one statement', () => {
  afterAll(async () => {
    for (const db of created) await db.drop();
  });

  it('is the database the migrator makes: the same catalog, applied migrations and rows, made now', async () => {
    const [inOne, oneByOne] = [await newDatabase(), await newDatabase()];
    const before = new Date().toISOString();
    await (await openPostgresStore(inOne)).close();
    await migrateOneByOne(oneByOne);

    const [a, b] = [await catalog(inOne), await catalog(oneByOne)];
    expect(a.columns.length).toBeGreaterThan(200);
    expect(a.indexes.length).toBeGreaterThan(40);
    expect(a).toEqual(b);
    expect((await applied(inOne)).map((m) => m.name)).toEqual([...migrationNames].sort());
    expect((await applied(inOne)).every((m) => m.timestamp >= before)).toBe(true);
    const workspaces = await query<{ id: string; created_at: string }>(inOne, 'select id, created_at from workspaces');
    expect(workspaces).toHaveLength(1);
    expect(workspaces[0]!.created_at >= before).toBe(true);
    // Opened again: current, nothing to do.
    await (await openPostgresStore(inOne)).close();
    expect(await catalog(inOne)).toEqual(a);
  });

  it('holds when two processes open the same new database at once: one creates it, the other finds it current', async () => {
    const url = await newDatabase();
    const stores = await Promise.all([openPostgresStore(url), openPostgresStore(url), openPostgresStore(url)]);
    for (const s of stores) await s.close();
    expect((await applied(url)).map((m) => m.name)).toEqual([...migrationNames].sort());
    expect(await query(url, 'select id from workspaces')).toHaveLength(1);
    // Nobody holds the migrator's lock afterwards (it was the transaction's).
    expect(await query(url, "select objid from pg_locks where locktype = 'advisory'")).toEqual([]);
  });

  it('is not used for a migration that reads data to decide what to write, which the migrator then runs', async () => {
    const reading: Migration = {
      up: async (db) => {
        const rows = await sql<{ id: string }>`select id from workspaces`.execute(db);
        for (const row of rows.rows) await sql`insert into workspaces (id, name, created_at) values (${row.id + '_copy'}, 'copy', '2026-01-01')`.execute(db);
      },
    };
    const withReading = { getMigrations: async () => ({ ...(await migrationProvider.getMigrations()), '999-reads': reading }) };
    expect(await freshSchemaScript(withReading)).toBeUndefined();
    // The recording stands for every migration this build has.
    const script = await freshSchemaScript();
    expect(script).toContain('pg_advisory_xact_lock');
    expect(script).not.toMatch(/pg_advisory_lock|pg_advisory_unlock/);
    for (const name of migrationNames) expect(script).toContain(`'${name}'`);
  });
});
