// Migration 121: a fencing token per session lease. Every acquisition increments it; every engine
// write checks it in its own transaction, so a runner that lost its lease (paused past it, then
// revived) cannot write after another one took the session over.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('lease_token', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('lease_token').execute();
}
