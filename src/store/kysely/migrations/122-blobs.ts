// Migration 122: file bytes in the database (the PostgreSQL blob store, kysely/database-blob-store.ts),
// so every replica serves every file. One row per ~1 MiB chunk: a read streams them one at a time.
// SQLite gets the table too (migrations are shared) but keeps its bytes in the data directory.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? sql`bytea` : sql`blob`;
  await db.schema
    .createTable('blobs')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('data', bytes, (c) => c.notNull())
    .addPrimaryKeyConstraint('blobs_pk', ['key', 'n'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('blobs').execute();
}
