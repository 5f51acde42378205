// The scale-out store: PostgreSQL via node-postgres.
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Store } from '../types.js';
import type { Database } from '../kysely/schema.js';
import { kyselyStore, migrateToLatest, type TableExists } from '../kysely/kysely-store.js';
import { listenPostgres } from './pg-listener.js';
import { nameRepeatedStatements } from './named-statements.js';
import { createFreshSchema } from './fresh-schema.js';
import { DatabaseBlobStore } from '../kysely/database-blob-store.js';

const ABANDONED_STAGING_MS = 24 * 3600 * 1000;

export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server drops (restart, failover, pg_terminate_backend) surfaces as a
  // pool 'error' event, which would crash the process unhandled. The pool has already discarded
  // that client and the next query opens a fresh one, so there is nothing else to do.
  pool.on('error', () => {});
  // The pool listens only while a client is idle: one dropped while checked out (a transaction in flight) emits an
  // unhandled 'error' that crashed the process. Its query fails with the error anyway; the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  nameRepeatedStatements(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db, tableExists, createFreshSchema);
  // File bytes live in the database too: any replica serves any file (docs/scaling.md). Chunks
  // staged more than a day ago belong to a write whose process died (no upload takes that long).
  const blobs = new DatabaseBlobStore(db);
  await blobs.sweepAbandoned(new Date(Date.now() - ABANDONED_STAGING_MS).toISOString());
  return kyselyStore(db, 'postgres', () => db.destroy(), (channels, handlers) => listenPostgres(url, channels, handlers), blobs);
}

const tableExists: TableExists = async (db, name) => {
  const { rows } = await sql<{ found: boolean }>`select to_regclass(${name}) is not null as found`.execute(db);
  return rows[0]?.found === true;
};

/** Connects once, apart from the pool (whose timeouts would also bound waits under load): why not, or undefined. */
export async function checkPostgresReachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return [e.code, e.message].filter(Boolean).join(' ') || String(err);
  } finally {
    await client.end().catch(() => {});
  }
}
