// Migration 091: multi-agent threads. A child thread's events carry its thread_id; the few the
// session's stream shows too (thread status, requests for the client) are marked cross_posted, so
// one stored event appears on both streams with one sequence number.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('session_events')
    .addColumn('cross_posted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('session_events_thread').on('session_events').columns(['session_id', 'thread_id', 'seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('session_events_thread').execute();
  await db.schema.alterTable('session_events').dropColumn('cross_posted').execute();
}
