// Migration 004: self-hosted environments — the work queue, per-claim session tokens, pollers, environment keys.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Work ids are keyset-pagination keys: byte order on PostgreSQL too (see migration 002).
  const idType = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await db.schema
    .createTable('work_items')
    .addColumn('id', idType, (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('claim', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_at', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text')
    .addColumn('started_at', 'text')
    .addColumn('latest_heartbeat_at', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('stop_requested_at', 'text')
    .addColumn('stopped_at', 'text')
    .execute();
  // Listing (by id) and polling (by state, oldest first) within one environment.
  await db.schema.createIndex('work_items_environment_id').on('work_items').columns(['environment_id', 'id']).execute();
  await db.schema
    .createIndex('work_items_environment_state')
    .on('work_items')
    .columns(['environment_id', 'state', 'created_at'])
    .execute();
  // The database, not a read-then-write, guarantees one open item per session.
  await sql`CREATE UNIQUE INDEX work_items_open_session ON work_items (session_id)
    WHERE state IN ('queued', 'starting', 'active')`.execute(db);

  await db.schema
    .createTable('work_tokens')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('work_id', 'text', (c) => c.notNull())
    .addColumn('claim', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('work_pollers')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('last_polled_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('work_pollers_pk', ['environment_id', 'worker_id'])
    .execute();

  await db.schema
    .createTable('environment_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull().unique())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('environment_keys_environment_id').on('environment_keys').column('environment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('environment_keys').execute();
  await db.schema.dropTable('work_pollers').execute();
  await db.schema.dropTable('work_tokens').execute();
  await db.schema.dropTable('work_items').execute();
}
