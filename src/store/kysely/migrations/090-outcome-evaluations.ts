// Migration 090: each session's outcomes (user.define_outcome) as `sessions.retrieve` reports them,
// kept in step with the log by the engine's writes (the log stays the source of truth).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('outcome_evaluations', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('outcome_evaluations').execute();
}
