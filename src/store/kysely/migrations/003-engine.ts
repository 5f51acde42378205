// Migration 003: what the engine needs — per-session leases and internal event data.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The runner that owns a session, and until when; a lapsed lease can be taken over.
  await db.schema.alterTable('sessions').addColumn('lease_owner', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('lease_expires_at', 'text').execute();
  // Data the engine keeps with an event but never shows on the wire (e.g. the exact assistant
  // content blocks to replay, the model's tool_use id).
  await db.schema.alterTable('session_events').addColumn('internal', 'text').execute();
  // Finding queued client input quickly (the engine's wake-up scan on start).
  await sql`CREATE INDEX session_events_unprocessed ON session_events (session_id) WHERE processed_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX session_events_unprocessed`.execute(db);
  await db.schema.alterTable('session_events').dropColumn('internal').execute();
  await db.schema.alterTable('sessions').dropColumn('lease_expires_at').execute();
  await db.schema.alterTable('sessions').dropColumn('lease_owner').execute();
}
