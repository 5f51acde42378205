// Migration 050: the usage ledger, one row per model call (gateway calls now; agent calls join it later).
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Call ids are keyset-pagination keys: byte order on PostgreSQL too (see migration 002).
  const idType = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await db.schema
    .createTable('usage_ledger')
    .addColumn('id', idType, (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('api_key_id', 'text')
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('call_kind', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('provider_model', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('thread_id', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('agent_version', 'integer')
    .addColumn('deployment_id', 'text')
    .addColumn('environment_id', 'text')
    .addColumn('conversation_id', 'text')
    .addColumn('batch_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('provider_request_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_read_input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_creation_5m_input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_creation_1h_input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('list_cost_nanousd', 'bigint')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('ttft_ms', 'integer')
    .addColumn('stop_reason', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('streamed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tool_names', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // Reports are a workspace's calls over a time range, grouped by some dimension: the range scan comes first.
  await db.schema.createIndex('usage_ledger_workspace_time').on('usage_ledger').columns(['workspace_id', 'created_at']).execute();
  // A conversation's calls, in order (ids are time-ordered).
  await db.schema
    .createIndex('usage_ledger_conversation')
    .on('usage_ledger')
    .columns(['workspace_id', 'conversation_id', 'id'])
    .execute();
  // A thread continuation names the reply it continues: find that reply's conversation.
  await sql`CREATE INDEX usage_ledger_message ON usage_ledger (message_id) WHERE message_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX usage_ledger_session ON usage_ledger (session_id, created_at) WHERE session_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_ledger').execute();
}
