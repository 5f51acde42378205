// Migration 116: when a telemetry destination's current run of failed deliveries began (null after a
// success), so a destination that keeps failing can be disabled as `sustained_failure`.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('telemetry_destinations').addColumn('failing_since', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('telemetry_destinations').dropColumn('failing_since').execute();
}
