// Migration 042: a deployment's budget (stamped onto each run's session). `vault_ids` has had a
// column since 040; deployments now act on it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // JSON text like the table's other structured columns; null when no budget is set.
  await db.schema.alterTable('deployments').addColumn('budget', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deployments').dropColumn('budget').execute();
}
