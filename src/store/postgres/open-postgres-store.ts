// The scale-out store: PostgreSQL via node-postgres.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Store } from '../types.js';
import type { Database } from '../kysely/schema.js';
import { kyselyStore, migrateToLatest } from '../kysely/kysely-store.js';

export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server drops (restart, failover, pg_terminate_backend) surfaces as a
  // pool 'error' event, which would crash the process unhandled. The pool has already discarded
  // that client and the next query opens a fresh one, so there is nothing else to do.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  return kyselyStore(db, 'postgres', () => db.destroy());
}
