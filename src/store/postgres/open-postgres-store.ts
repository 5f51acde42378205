// The scale-out store: PostgreSQL via node-postgres.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Store } from '../types.js';
import type { Database } from '../kysely/schema.js';
import { kyselyStore, migrateToLatest } from '../kysely/kysely-store.js';

export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  return kyselyStore(db, 'postgres', () => db.destroy());
}
