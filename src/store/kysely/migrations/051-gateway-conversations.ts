// Migration 051: the gateway's conversations (running totals per conversation) and captured call content.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const keyType = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await db.schema
    .createTable('gateway_conversations')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('row_id', keyType, (c) => c.notNull().unique())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('first_call_at', 'text', (c) => c.notNull())
    .addColumn('last_call_at', 'text', (c) => c.notNull())
    .addColumn('last_model', 'text', (c) => c.notNull())
    .addColumn('calls', 'bigint', (c) => c.notNull())
    .addColumn('errored_calls', 'bigint', (c) => c.notNull())
    .addColumn('input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('output_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_read_input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_creation_5m_input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_creation_1h_input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('list_cost_nanousd', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('gateway_conversations_pk', ['workspace_id', 'id'])
    .execute();
  await db.schema
    .createIndex('gateway_conversations_list')
    .on('gateway_conversations')
    .columns(['workspace_id', 'row_id'])
    .execute();

  await db.schema
    .createTable('gateway_call_contents')
    .addColumn('call_id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The retention sweep deletes by age.
  await db.schema.createIndex('gateway_call_contents_created').on('gateway_call_contents').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('gateway_call_contents').execute();
  await db.schema.dropTable('gateway_conversations').execute();
}
