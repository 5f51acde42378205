// Migration 110: what a session has cost and how long it ran. Cost is exact integer nano-dollars at
// list price (the sum of its ledger rows); calls whose model has no list price are counted, since a
// budget cannot measure them. Active time is closed intervals plus the open one (`running_since`).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('list_cost_nanousd', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sessions').addColumn('unpriced_calls', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sessions').addColumn('active_ms', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sessions').addColumn('running_since', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['running_since', 'active_ms', 'unpriced_calls', 'list_cost_nanousd']) {
    await db.schema.alterTable('sessions').dropColumn(column).execute();
  }
}
