// Row counts of every table of a test server's database, read over a connection of our own (not
// through the server), so a test can prove that a refused request created or deleted nothing.
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { TestServer } from './server.js';

export interface RowCounter {
  /** `table → rows`, every table. */
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const unionOfCounts = (tables: readonly string[]) =>
  tables.map((t) => `SELECT '${t.replaceAll("'", "''")}' AS name, count(*) AS n FROM ${quote(t)}`).join(' UNION ALL ');

export async function openRowCounter(t: TestServer): Promise<RowCounter> {
  if (t.databaseUrl === undefined) {
    const db = new Database(path.join(t.dataDir, 'agentd.db'), { readonly: true, fileMustExist: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((r) => r.name);
    const stmt = db.prepare(unionOfCounts(tables));
    return {
      counts: async () => Object.fromEntries((stmt.all() as Array<{ name: string; n: number }>).map((r) => [r.name, Number(r.n)])),
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  const tables = (await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.name);
  const sql = unionOfCounts(tables);
  return {
    counts: async () => Object.fromEntries((await client.query<{ name: string; n: string }>(sql)).rows.map((r) => [r.name, Number(r.n)])),
    close: () => client.end(),
  };
}
