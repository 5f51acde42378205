// Migration 120: the generated API key's digest, shared by every replica of one database (the key
// itself stays in the key file of the replica that generated it; only its SHA-256 is stored).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('generated_api_keys')
    // One row ('default'): the key agentd generates when no AGENTD_API_KEY is configured.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('generated_api_keys').execute();
}
