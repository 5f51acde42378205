// The embedded default: SQLite in WAL mode via better-sqlite3.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import type { Store } from '../types.js';
import type { Database } from '../kysely/schema.js';
import { kyselyStore, migrateToLatest, type TableExists } from '../kysely/kysely-store.js';
import { migrationNames } from '../kysely/migrations/index.js';
import { HandoffLock, QueuedSqliteDialect } from './queued-sqlite-dialect.js';
import { withStatementCache } from './statement-cache.js';
import { checkpointInBackground } from './wal-checkpointer.js';
import { createFromTemplate, findTemplate, removeTemplates, templateName, writeTemplate } from './schema-template.js';

/** Loads the native driver and opens a throwaway in-memory database (`agentd doctor`); throws as opening would. */
export function checkSqliteDriver(): void {
  new BetterSqlite3(':memory:').close();
}

export interface SqliteStoreOptions {
  /** What a new database file starts as (schema-template.ts): by default the build's template, if any; false: migrated. */
  template?: string | false;
}

export async function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Promise<Store> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) {
    const template = opts.template ?? findTemplate(migrationNames);
    if (template) createFromTemplate(template, file, new Date().toISOString());
  }
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable against process crashes (the guarantee we promise);
  // only an OS crash or power loss can drop the last transactions.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const lock = new HandoffLock();
  const db = new Kysely<Database>({ dialect: new QueuedSqliteDialect({ database: withStatementCache(sqlite) }, lock) });
  await migrateToLatest(db, sqliteTableExists);
  // Ahead of the queue: a log rewind waits only for the transaction under way (it holds the connection briefly).
  const release = checkpointInBackground(path.resolve(file), sqlite, () => lock.holdFirst());
  return kyselyStore(db, 'sqlite', async () => {
    await release();
    await db.destroy();
  });
}

export const sqliteTableExists: TableExists = async (db, name) => {
  const { rows } = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(db);
  return Number(rows[0]?.n) > 0;
};

/** `npm run build`: writes the template new databases start from (schema-template.ts) into `dir`, in place of any other. */
export async function writeSqliteTemplate(dir: string): Promise<string> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-template-'));
  try {
    const migrated = path.join(scratch, 'agentd.db');
    await (await openSqliteStore(migrated, { template: false })).close();
    removeTemplates(dir);
    const target = path.join(dir, templateName(migrationNames));
    writeTemplate(migrated, target);
    return target;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
