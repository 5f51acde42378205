// Keeping the rollups and per-session totals in step with the ledger: a batch of calls summed per
// key in memory, then one upsert per table that adds the sums (both dialects: INSERT … ON CONFLICT
// DO UPDATE; the totals also keep the earliest first and the latest last call time).
import { sql, type Compilable, type Kysely, type QueryCreator } from 'kysely';
import type { UsageRecord } from '../usage-types.js';
import type { Database } from './schema.js';
import type { RollupTable } from './migrations/111-usage-rollups.js';
import { rowsShape, rowValues, runShaped } from './shaped-statements.js';

const SUMS = ['requests', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_5m_input_tokens', 'cache_creation_1h_input_tokens', 'list_cost_nanousd'] as const;
type Sums = Record<(typeof SUMS)[number], number>;
type Row = Record<string, string | number>;

const dims = (r: UsageRecord) => ({
  workspace_id: r.workspaceId,
  product: r.product,
  model: r.model,
  agent_id: r.agentId ?? '',
  deployment_id: r.deploymentId ?? '',
  environment_id: r.environmentId ?? '',
  api_key_id: r.apiKeyId ?? '',
});

type Dims = ReturnType<typeof dims>;

/** The key of a call's dimensions as one string (NUL never occurs in ids, models or timestamps). */
const dimsKey = (d: Dims): string =>
  `${d.workspace_id}\u0000${d.product}\u0000${d.model}\u0000${d.agent_id}\u0000${d.deployment_id}\u0000${d.environment_id}\u0000${d.api_key_id}`;

/** Adds a call to the row of `key` (made by `keyColumns` when the batch first meets the key). */
function sumInto(map: Map<string, Row>, key: string, keyColumns: () => Record<string, string>, r: UsageRecord): Row {
  let row = map.get(key) as (Row & Sums) | undefined;
  if (!row) {
    row = { ...keyColumns(), requests: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_5m_input_tokens: 0, cache_creation_1h_input_tokens: 0, list_cost_nanousd: 0 };
    map.set(key, row);
  }
  row.requests += 1;
  row.input_tokens += r.inputTokens;
  row.output_tokens += r.outputTokens;
  row.cache_read_input_tokens += r.cacheReadInputTokens;
  row.cache_creation_5m_input_tokens += r.cacheCreation5mInputTokens;
  row.cache_creation_1h_input_tokens += r.cacheCreation1hInputTokens;
  row.list_cost_nanousd += r.listCostNanoUsd ?? 0;
  return row;
}

/** Rows per upsert statement (17 columns each: well under both dialects' parameter limits). */
const CHUNK = 500;

const TIMES = ['first_call_at', 'last_call_at'];

type RollupTarget = RollupTable | 'usage_session_totals';

/** One INSERT … ON CONFLICT DO UPDATE adding `rows`' sums to `table` (not executed). */
function upsertQuery(db: QueryCreator<Database>, table: RollupTarget, rows: Row[]) {
  const col = (c: string) => sql.ref(`${table}.${c}`);
  const excluded = (c: string) => sql.ref(`excluded.${c}`);
  const sums: readonly string[] = table === 'usage_session_totals' ? [...SUMS, 'total_tokens'] : SUMS;
  const update: Record<string, unknown> = Object.fromEntries(sums.map((s) => [s, sql`${col(s)} + ${excluded(s)}`]));
  if (table === 'usage_session_totals') {
    // CASE rather than min/max (SQLite) or least/greatest (PostgreSQL): the same text on both.
    update['first_call_at'] = sql`case when ${excluded('first_call_at')} < ${col('first_call_at')} then ${excluded('first_call_at')} else ${col('first_call_at')} end`;
    update['last_call_at'] = sql`case when ${excluded('last_call_at')} > ${col('last_call_at')} then ${excluded('last_call_at')} else ${col('last_call_at')} end`;
  }
  const key = Object.keys(rows[0]!).filter((c) => !sums.includes(c) && !TIMES.includes(c));
  return db
    .insertInto(table)
    .values(rows as never)
    .onConflict((oc) => oc.columns(key as never).doUpdateSet(update as never));
}

/** The sums each rollup table gets from a batch of calls, one row per key. */
function rollupRows(records: readonly UsageRecord[]): Array<[RollupTarget, Row[]]> {
  const daily = new Map<string, Row>();
  const hourly = new Map<string, Row>();
  const perSession = new Map<string, Row>();
  const totals = new Map<string, Row>();
  for (const r of records) {
    const d = dims(r);
    const k = dimsKey(d);
    const day = r.createdAt.slice(0, 10);
    const hour = r.createdAt.slice(0, 13);
    const session = r.sessionId ?? '';
    sumInto(daily, `${k}\u0000${day}`, () => ({ ...d, day }), r);
    sumInto(hourly, `${k}\u0000${hour}`, () => ({ ...d, hour }), r);
    sumInto(perSession, `${k}\u0000${hour}\u0000${session}`, () => ({ ...d, hour, session_id: session }), r);
    const total = sumInto(totals, `${r.workspaceId}\u0000${session}`, () => ({ workspace_id: r.workspaceId, session_id: session }), r);
    total['total_tokens'] = Number(total['total_tokens'] ?? 0) + r.inputTokens + r.outputTokens + r.cacheReadInputTokens + r.cacheCreation5mInputTokens + r.cacheCreation1hInputTokens;
    if (total['first_call_at'] === undefined || r.createdAt < total['first_call_at']) total['first_call_at'] = r.createdAt;
    if (total['last_call_at'] === undefined || r.createdAt > total['last_call_at']) total['last_call_at'] = r.createdAt;
  }
  return [
    ['usage_daily', [...daily.values()]],
    ['usage_hourly', [...hourly.values()]],
    ['usage_session_hourly', [...perSession.values()]],
    ['usage_session_totals', [...totals.values()]],
  ];
}

export async function addToRollups(db: Kysely<Database>, records: readonly UsageRecord[]): Promise<void> {
  for (const [table, rows] of rollupRows(records)) {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const { columns, key } = rowsShape(chunk);
      await runShaped(db, `upsert ${table} ${key}`, rowValues(chunk, columns), () => upsertQuery(db, table, chunk));
    }
  }
}

/**
 * The ledger rows and their four rollup upserts in one statement (data-modifying CTEs: PostgreSQL),
 * one round trip instead of five. Each call adds 32 ledger and up to 4 × 17 rollup parameters: callers keep a
 * statement to a few dozen calls (PostgreSQL allows 65,535 parameters).
 */
export async function insertWithRollups(db: Kysely<Database>, ledgerRows: readonly object[], records: readonly UsageRecord[]): Promise<void> {
  const { shape, values, entries } = ledgerWithEntries(db, ledgerRows, records);
  await runShaped(db, shape, values, () => {
    let query: QueryCreator<Database> = db;
    // The rollups as WITH entries of the ledger's INSERT.
    for (const e of entries().slice(0, -1)) query = query.with(e.name, () => e.query as never);
    return query.insertInto('usage_ledger').values(ledgerRows as never);
  });
}

/**
 * The rollup upserts and then the ledger's INSERT, as entries of a PostgreSQL WITH, with the shape and the parameters,
 * in order, of a statement made of them in that order (see runShaped). `entries` builds the queries: only needed when
 * the shape's text is not known yet (building them costs more than the rest of a model call's write).
 */
export function ledgerWithEntries(db: QueryCreator<Database>, ledgerRows: readonly object[], records: readonly UsageRecord[]) {
  const rollups = rollupRows(records);
  const parts = [...rollups.map(([table, rows]) => ({ table, rows })), { table: 'usage_ledger', rows: ledgerRows }].map((p) => ({ ...p, ...rowsShape(p.rows) }));
  return {
    shape: `ledger+rollups ${parts.map((p) => `${p.table} ${p.key}`).join('; ')}`,
    values: parts.flatMap((p) => rowValues(p.rows, p.columns)),
    entries: () => [
      ...rollups.map(([table, rows], i) => ({ name: `rollup_${i}`, query: upsertQuery(db, table, rows) as Compilable<unknown> })),
      { name: 'ledger', query: db.insertInto('usage_ledger').values(ledgerRows as never) as Compilable<unknown> },
    ],
  };
}
