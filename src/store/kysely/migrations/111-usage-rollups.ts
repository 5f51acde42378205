// Migration 111: rollups of the usage ledger, kept in step with it by every insert (same
// transaction), so usage and cost reports sum a few thousand rollup rows instead of millions of
// calls. `usage_daily` and `usage_hourly` have every report dimension but the session (a month by
// agent or model reads ~31 daily rows per group, plus the hours at the range's ragged ends);
// `usage_session_hourly` adds the session, for reports grouped or filtered by session. Dimension
// columns hold '' for "none" so that they can be part of the unique key on both dialects.
import { sql, type Kysely } from 'kysely';

const DIMENSIONS = ['product', 'model', 'agent_id', 'deployment_id', 'environment_id', 'api_key_id'] as const;
const SUMS = ['requests', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_5m_input_tokens', 'cache_creation_1h_input_tokens', 'list_cost_nanousd'] as const;

export type RollupTable = 'usage_daily' | 'usage_hourly' | 'usage_session_hourly';
/** Each rollup's time column (`YYYY-MM-DD` or `YYYY-MM-DDTHH`, UTC) and whether it has the session. */
export const ROLLUPS: Record<RollupTable, { time: 'day' | 'hour'; width: 10 | 13; session: boolean }> = {
  usage_daily: { time: 'day', width: 10, session: false },
  usage_hourly: { time: 'hour', width: 13, session: false },
  usage_session_hourly: { time: 'hour', width: 13, session: true },
};

async function createRollup(db: Kysely<any>, table: RollupTable): Promise<void> {
  const { time, session } = ROLLUPS[table];
  let t = db.schema.createTable(table).addColumn('workspace_id', 'text', (c) => c.notNull()).addColumn(time, 'text', (c) => c.notNull());
  for (const d of DIMENSIONS) t = t.addColumn(d, 'text', (c) => c.notNull());
  if (session) t = t.addColumn('session_id', 'text', (c) => c.notNull());
  for (const s of SUMS) t = t.addColumn(s, 'bigint', (c) => c.notNull().defaultTo(0));
  await t.execute();
  const key = ['workspace_id', time, ...(session ? ['session_id'] : []), ...DIMENSIONS];
  // The upsert's conflict target, and the time-range scan of every report (workspace, then time).
  await db.schema.createIndex(`${table}_key`).on(table).columns(key).unique().execute();
}

/** Sums the whole ledger into a rollup (this migration; the analytics benchmark after bulk seeding). */
export async function backfill(db: Kysely<any>, table: RollupTable): Promise<void> {
  const { time, width, session } = ROLLUPS[table];
  const dims = [...(session ? ['session_id'] : []), ...DIMENSIONS];
  const cols = ['workspace_id', time, ...dims, ...SUMS];
  const bucket = sql`substr(created_at, 1, ${sql.lit(width)})`;
  const select = sql.join([
    sql.ref('workspace_id'),
    bucket,
    ...dims.map((d) => sql`coalesce(${sql.ref(d)}, '')`),
    sql`count(*)`,
    ...SUMS.slice(1).map((s) => sql`coalesce(sum(${sql.ref(s)}), 0)`),
  ]);
  const group = sql.join([sql.ref('workspace_id'), bucket, ...dims.map((d) => sql`coalesce(${sql.ref(d)}, '')`)]);
  await sql`INSERT INTO ${sql.table(table)} (${sql.join(cols.map((c) => sql.ref(c)))}) SELECT ${select} FROM usage_ledger GROUP BY ${group}`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of Object.keys(ROLLUPS) as RollupTable[]) {
    await createRollup(db, table);
    await backfill(db, table);
  }
  // One session's report over a month reads its own rows, not the month's.
  await db.schema.createIndex('usage_session_hourly_session').on('usage_session_hourly').columns(['session_id', 'hour']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of Object.keys(ROLLUPS)) await db.schema.dropTable(table).execute();
}
