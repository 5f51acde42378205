// Migration 060: vaults and their credentials (secrets stored sealed, see src/secrets/).
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Ids are keyset keys: byte order on PostgreSQL too (see migration 002).
  const byteOrder = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await db.schema
    .createTable('vaults')
    .addColumn('id', byteOrder, (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('write_revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'text')
    .execute();
  await db.schema.createIndex('vaults_workspace_id').on('vaults').columns(['workspace_id', 'id']).execute();

  await db.schema
    .createTable('vault_credentials')
    .addColumn('id', byteOrder, (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('auth_type', 'text', (c) => c.notNull())
    .addColumn('credential_key', 'text', (c) => c.notNull())
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('sealed_secrets', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'text')
    .execute();
  await db.schema.createIndex('vault_credentials_vault').on('vault_credentials').columns(['vault_id', 'id']).execute();
  // One active credential per key in a vault; archived ones free the key.
  await db.schema
    .createIndex('vault_credentials_active_key')
    .unique()
    .on('vault_credentials')
    .columns(['vault_id', 'credential_key'])
    .where(sql.ref('archived_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('vault_credentials').execute();
  await db.schema.dropTable('vaults').execute();
}
