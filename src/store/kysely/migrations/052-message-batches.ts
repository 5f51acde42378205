// Migration 052: Message Batches, with one row per request so a batch resumes request by request after a restart.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const idType = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await db.schema
    .createTable('message_batches')
    .addColumn('id', idType, (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('api_key_id', 'text')
    .addColumn('betas', 'text', (c) => c.notNull())
    .addColumn('processing_status', 'text', (c) => c.notNull())
    .addColumn('processing', 'integer', (c) => c.notNull())
    .addColumn('succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errored', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('canceled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expired', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('cancel_initiated_at', 'text')
    .execute();
  await db.schema.createIndex('message_batches_workspace').on('message_batches').columns(['workspace_id', 'id']).execute();
  await sql`CREATE INDEX message_batches_active ON message_batches (processing_status) WHERE processing_status <> 'ended'`.execute(db);

  await db.schema
    .createTable('message_batch_requests')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('custom_id', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('not_before', 'text')
    .addColumn('result', 'text')
    .addPrimaryKeyConstraint('message_batch_requests_pk', ['batch_id', 'idx'])
    .execute();
  // The next due request of a batch, in order.
  await db.schema
    .createIndex('message_batch_requests_state')
    .on('message_batch_requests')
    .columns(['batch_id', 'state', 'idx'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('message_batch_requests').execute();
  await db.schema.dropTable('message_batches').execute();
}
