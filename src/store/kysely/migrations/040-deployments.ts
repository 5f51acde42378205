// Migration 040: deployments and deployment runs. A scheduled instant is unique per deployment
// (the exactly-once key; manual runs have no instant).
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Ids are keyset keys: byte order on PostgreSQL too (see migration 002).
  const byteOrder = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await db.schema
    .createTable('deployments')
    .addColumn('id', byteOrder, (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('initial_events', 'text', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('vault_ids', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('paused_reason', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('next_fire_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'text')
    .execute();
  await db.schema.createIndex('deployments_workspace_id').on('deployments').columns(['workspace_id', 'id']).execute();
  await db.schema.createIndex('deployments_due').on('deployments').columns(['status', 'next_fire_at']).execute();

  await db.schema
    .createTable('deployment_runs')
    .addColumn('id', byteOrder, (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('trigger_type', 'text', (c) => c.notNull())
    .addColumn('scheduled_at', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('session_id', 'text')
    .addColumn('error', 'text')
    .addColumn('has_error', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('deployment_runs_instant', ['deployment_id', 'scheduled_at'])
    .execute();
  await db.schema.createIndex('deployment_runs_workspace_id').on('deployment_runs').columns(['workspace_id', 'id']).execute();
  await db.schema.createIndex('deployment_runs_pending').on('deployment_runs').columns(['state', 'lease_until']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deployment_runs').execute();
  await db.schema.dropTable('deployments').execute();
}
