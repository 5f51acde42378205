// Migration 112: each session's total usage, with the time of its first and last call, kept in step
// with the ledger by every insert (same transaction). "Top sessions" over a range then reads the
// sessions wholly inside the range in the order of the ranked metric (one index per metric, walked
// until the page is full) and takes only the sessions spanning the range's edges from
// usage_session_hourly — exact, and independent of how many sessions the range holds. Calls without
// a session are one row with session_id ''.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

const SUMS = ['requests', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_5m_input_tokens', 'cache_creation_1h_input_tokens', 'list_cost_nanousd'] as const;
/** The metrics a report can rank by, each with its own index. */
export const RANKED = ['total_tokens', 'output_tokens', 'requests', 'input_tokens', 'list_cost_nanousd'] as const;

/** Sums the whole ledger into the per-session totals (this migration; the analytics benchmark after bulk seeding). */
export async function backfillSessionTotals(db: Kysely<any>): Promise<void> {
  const cols = ['workspace_id', 'session_id', ...SUMS, 'total_tokens', 'first_call_at', 'last_call_at'];
  const select = sql.join([
    sql.ref('workspace_id'),
    sql`coalesce(session_id, '')`,
    sql`count(*)`,
    ...SUMS.slice(1).map((s) => sql`coalesce(sum(${sql.ref(s)}), 0)`),
    sql`sum(input_tokens + output_tokens + cache_read_input_tokens + cache_creation_5m_input_tokens + cache_creation_1h_input_tokens)`,
    sql`min(created_at)`,
    sql`max(created_at)`,
  ]);
  await sql`INSERT INTO usage_session_totals (${sql.join(cols.map((c) => sql.ref(c)))})
    SELECT ${select} FROM usage_ledger GROUP BY workspace_id, coalesce(session_id, '')`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  let t = db.schema.createTable('usage_session_totals').addColumn('workspace_id', 'text', (c) => c.notNull()).addColumn('session_id', 'text', (c) => c.notNull());
  for (const s of [...SUMS, 'total_tokens']) t = t.addColumn(s, 'bigint', (c) => c.notNull().defaultTo(0));
  // Call times compare as bytes on PostgreSQL too: a linguistic collation made the edge scan ~10x slower.
  const timeType = db.getExecutor().adapter instanceof PostgresAdapter ? sql`text COLLATE "C"` : sql`text`;
  await t
    .addColumn('first_call_at', timeType, (c) => c.notNull())
    .addColumn('last_call_at', timeType, (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_session_totals_pkey', ['workspace_id', 'session_id'])
    .execute();
  // Ranking: walked in the metric's order; the call times in the index settle "wholly inside the
  // range" without reading the row.
  for (const metric of RANKED) {
    await db.schema
      .createIndex(`usage_session_totals_by_${metric}`)
      .on('usage_session_totals')
      .columns(['workspace_id', metric, 'first_call_at', 'last_call_at'])
      .execute();
  }
  // The sessions spanning an edge (first call before it, last at or after it): from whichever side
  // holds fewer sessions (PostgreSQL's planner picks per edge).
  await db.schema.createIndex('usage_session_totals_first').on('usage_session_totals').columns(['workspace_id', 'first_call_at', 'last_call_at']).execute();
  await db.schema.createIndex('usage_session_totals_last').on('usage_session_totals').columns(['workspace_id', 'last_call_at', 'first_call_at']).execute();
  await backfillSessionTotals(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_session_totals').execute();
}
