// Usage and cost reports as one SQL aggregate over the cheapest sources that cover the range:
// - grouped by session alone (or with the workspace), whole range, no filter but those two:
//   usage_session_totals for the sessions wholly inside the range (ranked by index, cut at the
//   page), and usage_session_hourly for those spanning one of its edges;
// - otherwise grouped or filtered by session: usage_session_hourly;
// - 1-hour buckets: usage_hourly;
// - 1-minute buckets: the ledger itself (ranges of at most a day);
// - otherwise (whole range, or 1-day buckets): usage_daily for the whole days inside the range, and
//   usage_hourly for the hours at its ragged ends.
// The parts are UNION ALL'ed under one GROUP BY; ordering and paging (LIMIT/OFFSET) happen in SQL too.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ReportDimension, UsageReportQuery, UsageReportRow } from '../usage-types.js';
import type { Database } from './schema.js';

interface Part {
  table: 'usage_daily' | 'usage_hourly' | 'usage_session_hourly' | 'usage_ledger' | 'usage_session_totals';
  time: 'day' | 'hour' | 'created_at';
  /** Inclusive, exclusive; in the time column's own format. */
  from: string;
  to: string;
}

const DAY = 86_400_000;

function partsOf(q: UsageReportQuery): Part[] {
  const ledger = (): Part => ({ table: 'usage_ledger', time: 'created_at', from: q.start, to: q.end });
  const hours = (table: Part['table'], from: number, to: number): Part => ({
    table,
    time: 'hour',
    from: new Date(from).toISOString().slice(0, 13),
    to: new Date(to).toISOString().slice(0, 13),
  });
  const start = Date.parse(q.start);
  const end = Date.parse(q.end);
  if (q.bucket === '1m') return [ledger()];
  if (ranksFromSessionTotals(q)) return [hours('usage_session_totals', start, end)];
  if (q.groupBy.includes('session_id') || q.filters.session_id) return [hours('usage_session_hourly', start, end)];
  if (q.bucket === '1h') return [hours('usage_hourly', start, end)];
  const firstDay = Math.ceil(start / DAY) * DAY;
  const lastDay = Math.floor(end / DAY) * DAY;
  if (firstDay >= lastDay) return [hours('usage_hourly', start, end)];
  const parts: Part[] = [
    { table: 'usage_daily', time: 'day', from: new Date(firstDay).toISOString().slice(0, 10), to: new Date(lastDay).toISOString().slice(0, 10) },
  ];
  if (start < firstDay) parts.push(hours('usage_hourly', start, firstDay));
  if (lastDay < end) parts.push(hours('usage_hourly', lastDay, end));
  return parts;
}

const METRICS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_5m_input_tokens', 'cache_creation_1h_input_tokens'] as const;

/** Conditions on the dimensions the query filters by (`dim`: how a dimension's column is written). */
function filtersSql(q: UsageReportQuery, dim: (d: ReportDimension) => RawBuilder<unknown>): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [];
  for (const [d, values] of Object.entries(q.filters) as [ReportDimension, ReadonlyArray<string | null>][]) {
    if (values.length > 0) where.push(sql`${dim(d)} in (${sql.join(values.map((v) => v ?? ''))})`);
  }
  return where;
}

const SUM_COLUMNS = ['requests', ...['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_5m_input_tokens', 'cache_creation_1h_input_tokens'], 'list_cost_nanousd'];

/** Dimensions the per-session totals keep: reports grouped and filtered by only these can rank from them. */
const TOTALS_DIMENSIONS: readonly ReportDimension[] = ['session_id', 'workspace_id'];

function ranksFromSessionTotals(q: UsageReportQuery): boolean {
  const filtered = (Object.entries(q.filters) as [ReportDimension, ReadonlyArray<string | null>][]).filter(([, v]) => v.length > 0).map(([d]) => d);
  return (
    q.bucket === undefined &&
    q.groupBy.includes('session_id') &&
    [...q.groupBy, ...filtered].every((d) => TOTALS_DIMENSIONS.includes(d))
  );
}

/**
 * Sessions ranked over [from, to) (whole hours), exactly, reading only what the page needs:
 * - the sessions whose calls all fall inside: their totals, walked in the ranked metric's order
 *   (its index) and cut at offset + limit — no session outside this cut can make the page;
 * - the sessions with calls on both sides of an edge: only their hours inside, from
 *   usage_session_hourly (the sessions whose first call is before an edge and last at or after it).
 * The two sets are disjoint; the outer query merges, orders and pages them. Call times compare with
 * the hour strings as text: `2026-10-01T05:12…Z` ≥ `2026-10-01T05`, and < `2026-10-01T06`.
 */
function sessionTotalsSql(p: Part, q: UsageReportQuery, dimensions: readonly ReportDimension[]): RawBuilder<unknown> {
  const metric = sql.ref(q.orderBy === 'time' ? 'total_tokens' : ORDER_COLUMN[q.orderBy]);
  const dir = sql.raw(q.order === 'asc' ? 'asc' : 'desc');
  const inside = sql`select ${sql.join([
    sql`first_call_at as t`,
    ...dimensions.map((d) => sql`${sql.ref(d)} as ${sql.ref(`g_${d}`)}`),
    ...SUM_COLUMNS.map((c) => sql.ref(c)),
  ])} from usage_session_totals where ${sql.join(
    [sql`workspace_id = ${q.workspaceId}`, sql`first_call_at >= ${p.from}`, sql`last_call_at < ${p.to}`, ...filtersSql(q, (d) => sql.ref(d))],
    sql` and `,
  )} order by ${metric} ${dir}, session_id asc limit ${q.limit + q.offset}`;
  // CROSS JOIN: SQLite then reads the (few) edge sessions first and their hours by index.
  const edges = sql`select ${sql.join([
    sql`h.hour as t`,
    ...dimensions.map((d) => sql`${sql.ref(`h.${d}`)} as ${sql.ref(`g_${d}`)}`),
    ...SUM_COLUMNS.map((c) => sql.ref(`h.${c}`)),
  ])} from usage_session_totals s cross join usage_session_hourly h where ${sql.join(
    [
      sql`s.workspace_id = ${q.workspaceId}`,
      // Spanning the start, or the end: two index ranges.
      sql`((s.first_call_at < ${p.from} and s.last_call_at >= ${p.from}) or (s.first_call_at < ${p.to} and s.last_call_at >= ${p.to}))`,
      ...filtersSql(q, (d) => sql.ref(`s.${d}`)),
      sql`h.session_id = s.session_id`,
      sql`h.workspace_id = s.workspace_id`,
      sql`h.hour >= ${p.from}`,
      sql`h.hour < ${p.to}`,
    ],
    sql` and `,
  )}`;
  return sql`select * from (${inside}) as inside union all ${edges}`;
}

/** One source's rows in the common shape: time `t`, dimensions `g_*`, and the sums. */
function partSql(p: Part, q: UsageReportQuery, dimensions: readonly ReportDimension[]): RawBuilder<unknown> {
  if (p.table === 'usage_session_totals') return sessionTotalsSql(p, q, dimensions);
  const raw = p.table === 'usage_ledger';
  // Rollups store '' for "none"; the ledger stores NULL.
  const dim = (d: ReportDimension) => (raw ? sql`coalesce(${sql.ref(d)}, '')` : sql.ref(d));
  const where: RawBuilder<unknown>[] = [
    sql`workspace_id = ${q.workspaceId}`,
    sql`${sql.ref(p.time)} >= ${p.from}`,
    sql`${sql.ref(p.time)} < ${p.to}`,
    ...filtersSql(q, dim),
  ];
  const columns = [
    sql`${sql.ref(p.time)} as t`,
    ...dimensions.map((d) => sql`${dim(d)} as ${sql.ref(`g_${d}`)}`),
    raw ? sql`1 as requests` : sql`requests`,
    ...METRICS.map((m) => sql.ref(m)),
    raw ? sql`coalesce(list_cost_nanousd, 0) as list_cost_nanousd` : sql`list_cost_nanousd`,
  ];
  return sql`select ${sql.join(columns)} from ${sql.table(p.table)} where ${sql.join(where, sql` and `)}`;
}

/** Characters of `t` a bucket keeps: 2026-01-02T03:04 (16), 2026-01-02T03 (13), 2026-01-02 (10). */
const BUCKET_WIDTH = { '1m': 16, '1h': 13, '1d': 10 } as const;

const ORDER_COLUMN = {
  total_tokens: 'total_tokens',
  output_tokens: 'output_tokens',
  requests: 'requests',
  uncached_input_tokens: 'input_tokens',
  list_cost: 'list_cost_nanousd',
} as const;

export async function runUsageReport(db: Kysely<Database>, q: UsageReportQuery): Promise<UsageReportRow[]> {
  const parts = partsOf(q);
  const union = sql.join(parts.map((p) => partSql(p, q, q.groupBy)), sql` union all `);
  const bucket = q.bucket ? sql<string>`substr(t, 1, ${sql.lit(BUCKET_WIDTH[q.bucket])})` : undefined;
  const groups = q.groupBy.map((d) => sql.ref(`g_${d}`));
  const selected = sql.join([
    ...(bucket ? [sql`${bucket} as bucket`] : []),
    ...groups,
    sql`sum(requests) as requests`,
    ...METRICS.map((m) => sql`sum(${sql.ref(m)}) as ${sql.ref(m)}`),
    sql`sum(list_cost_nanousd) as list_cost_nanousd`,
    sql`sum(${sql.join(METRICS.map((m) => sql.ref(m)), sql` + `)}) as total_tokens`,
  ]);
  const groupBy = [...(bucket ? [bucket] : []), ...groups];
  const dir = sql.raw(q.order === 'asc' ? 'asc' : 'desc');
  // Ties (and the rest of a time ordering) are broken by the group values, so pages never overlap.
  const tieBreak = groups.map((g) => sql`${g} asc`);
  const orderBy =
    q.orderBy === 'time' && bucket
      ? [sql`bucket ${dir}`, sql`total_tokens desc`, ...tieBreak]
      : [sql`${sql.ref(ORDER_COLUMN[q.orderBy === 'time' ? 'total_tokens' : q.orderBy])} ${dir}`, ...(bucket ? [sql`bucket asc`] : []), ...tieBreak];

  const query = sql<Record<string, string | number | null>>`
    select ${selected}
    from (${union}) as u
    ${groupBy.length > 0 ? sql`group by ${sql.join(groupBy)}` : sql``}
    having count(*) > 0
    order by ${sql.join(orderBy)}
    limit ${q.limit} offset ${q.offset}`;
  const rows = (await query.execute(db)).rows;
  return rows.map((r) => ({
    bucket: (r['bucket'] as string | undefined) ?? null,
    group: Object.fromEntries(q.groupBy.map((d) => [d, (r[`g_${d}`] as string) === '' ? null : (r[`g_${d}`] as string)])),
    requests: Number(r['requests']),
    inputTokens: Number(r['input_tokens']),
    outputTokens: Number(r['output_tokens']),
    cacheReadInputTokens: Number(r['cache_read_input_tokens']),
    cacheCreation5mInputTokens: Number(r['cache_creation_5m_input_tokens']),
    cacheCreation1hInputTokens: Number(r['cache_creation_1h_input_tokens']),
    listCostNanoUsd: Number(r['list_cost_nanousd']),
  }));
}
