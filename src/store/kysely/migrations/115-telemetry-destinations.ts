// Migration 115: telemetry destinations (OTLP/HTTP collectors that receive spans).
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const byteOrder = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await db.schema
    .createTable('telemetry_destinations')
    .addColumn('id', byteOrder, (c) => c.primaryKey())
    .addColumn('display_name', 'text')
    .addColumn('endpoint_url', 'text', (c) => c.notNull())
    .addColumn('traces_endpoint_url', 'text')
    .addColumn('traces_enabled', 'integer', (c) => c.notNull())
    .addColumn('content_mode', 'text', (c) => c.notNull())
    .addColumn('max_content_bytes', 'integer')
    .addColumn('header_names', 'text', (c) => c.notNull())
    .addColumn('sealed_headers', 'text')
    .addColumn('workspaces_type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('telemetry_destinations').execute();
}
