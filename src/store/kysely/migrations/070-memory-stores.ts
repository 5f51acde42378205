// Migration 070: memory stores, their memories and versions, and which sessions mount which store.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Ids and paths are keyset and prefix-range keys: byte order on PostgreSQL too (see migration 002).
  const byteOrder = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await db.schema
    .createTable('memory_stores')
    .addColumn('id', byteOrder, (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('write_revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'text')
    .execute();
  await db.schema.createIndex('memory_stores_workspace_id').on('memory_stores').columns(['workspace_id', 'id']).execute();

  await db.schema
    .createTable('memories')
    .addColumn('id', byteOrder, (c) => c.primaryKey())
    .addColumn('memory_store_id', 'text', (c) => c.notNull())
    .addColumn('path', byteOrder, (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('content_sha256', 'text', (c) => c.notNull())
    .addColumn('content_size_bytes', 'integer', (c) => c.notNull())
    .addColumn('memory_version_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('memories_store_path', ['memory_store_id', 'path'])
    .execute();
  await db.schema.createIndex('memories_store_created').on('memories').columns(['memory_store_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('memories_store_updated').on('memories').columns(['memory_store_id', 'updated_at', 'id']).execute();

  await db.schema
    .createTable('memory_versions')
    .addColumn('id', byteOrder, (c) => c.primaryKey())
    .addColumn('memory_store_id', 'text', (c) => c.notNull())
    .addColumn('memory_id', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('path', 'text')
    .addColumn('content', 'text')
    .addColumn('content_sha256', 'text')
    .addColumn('content_size_bytes', 'integer')
    .addColumn('actor_type', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('redacted_at', 'text')
    .addColumn('redacted_by_type', 'text')
    .addColumn('redacted_by_id', 'text')
    .execute();
  await db.schema.createIndex('memory_versions_store').on('memory_versions').columns(['memory_store_id', 'id']).execute();
  await db.schema.createIndex('memory_versions_memory').on('memory_versions').columns(['memory_id', 'id']).execute();

  await db.schema
    .createTable('session_memory_stores')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('memory_store_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('session_memory_stores_pk', ['session_id', 'memory_store_id'])
    .execute();
  await db.schema
    .createIndex('session_memory_stores_store')
    .on('session_memory_stores')
    .columns(['memory_store_id', 'session_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['session_memory_stores', 'memory_versions', 'memories', 'memory_stores']) {
    await db.schema.dropTable(table).execute();
  }
}
