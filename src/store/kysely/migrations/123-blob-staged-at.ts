// Migration 123: when a blob's chunks were staged (null once published), so chunks a process left
// behind when it died mid-write can be told from a write still in progress and swept.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('blobs').addColumn('staged_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('blobs').dropColumn('staged_at').execute();
}
