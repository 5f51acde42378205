// `npx tsx bench/analytics.ts`: usage and cost reports over a 1,000,000-row usage ledger, in process
// (the store's own report code, no server), on SQLite and PostgreSQL. The ledger is seeded in SQL
// (one generated INSERT … SELECT: seconds instead of minutes), then the rollups are built by
// migrations 111/112's backfills — the same sums every ledger insert adds to them. Also measured: what
// maintaining the rollups costs a ledger write. Prints one table; see docs/benchmarks.md.
// Options for iterating: `--rows 100000` (default 1,000,000; or AGENTD_BENCH_LEDGER_ROWS) and
// `--dialect sqlite|postgres` (default both).
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { newId } from '../src/api/ids.js';
import { backfill, ROLLUPS, type RollupTable } from '../src/store/kysely/migrations/111-usage-rollups.js';
import { backfillSessionTotals } from '../src/store/kysely/migrations/112-usage-session-totals.js';
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import type { Store } from '../src/store/types.js';
import type { UsageRecord, UsageReportQuery } from '../src/store/usage-types.js';
import { DEFAULT_WORKSPACE_ID } from '../src/store/workspace.js';
import { assertLoopback, createDatabase } from './lib/databases.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string' }, dialect: { type: 'string' } } });
const ROWS = Number(args.rows ?? process.env.AGENTD_BENCH_LEDGER_ROWS ?? 1_000_000);
if (!Number.isInteger(ROWS) || ROWS < 1000) throw new Error('--rows: a whole number of at least 1000');
if (args.dialect !== undefined && args.dialect !== 'sqlite' && args.dialect !== 'postgres') throw new Error('--dialect: sqlite or postgres');
const CALLS_PER_SESSION = 20;
const AGENTS = 50;
const RUNS = 30;
const T0 = Date.parse('2026-10-01T00:00:00Z');
const SPAN_MS = 31 * 24 * 3_600_000;
const STEP_S = SPAN_MS / 1000 / ROWS;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const log = (msg: string) => process.stderr.write(`[analytics] ${msg}\n`);

/** Columns of a generated ledger row, as SQL over the row number `i` (dialect-specific pieces passed in). */
function seedSql(d: { series: string; id: string; time: string; text: (e: string) => string }): string {
  const pick = (list: string[], e: string) => `(CASE ${list.map((v, k) => `WHEN (${e}) = ${k} THEN '${v}'`).join(' ')} END)`;
  const session = `(i / ${CALLS_PER_SESSION})`;
  const agent = `(${session} % ${AGENTS})`;
  const model = pick(['claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-8', 'claude-sonnet-4-6'], `${agent} % 5`);
  return `INSERT INTO usage_ledger (id, workspace_id, api_key_id, product, call_kind, model, provider_model, provider, session_id, agent_id,
      agent_version, environment_id, input_tokens, output_tokens, cache_read_input_tokens, cache_creation_5m_input_tokens,
      cache_creation_1h_input_tokens, list_cost_nanousd, latency_ms, outcome, streamed, tool_names, created_at)
    ${d.series}
    SELECT ${d.id}, '${DEFAULT_WORKSPACE_ID}', NULL, 'agents', 'agent_turn', ${model}, ${model}, 'anthropic',
      'sesn_' || ${d.text(session)}, 'agent_' || ${d.text(agent)}, 1, 'env_' || ${d.text(`${agent} % 7`)},
      1000 + (i % 997), 100 + (i % 89), 5000 + (i % 4001), (i % 13) * 100, 0, 9000000 + (i % 1000) * 1000, 800 + (i % 500), 'ok', 1, '[]', ${d.time}
    FROM n`;
}

interface Target {
  dialect: 'sqlite' | 'postgres';
  store: Store;
  /** Runs the generated seed and the rollup backfill on a connection of its own. */
  seed(): Promise<void>;
  close(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-analytics-'));
  const file = path.join(dir, 'agentd.db');
  const store = await openSqliteStore(file);
  return {
    dialect: 'sqlite',
    store,
    seed: async () => {
      const raw = new BetterSqlite3(file);
      raw.pragma('journal_mode = WAL');
      raw.exec(
        seedSql({
          series: `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS - 1})`,
          id: `printf('mcall_%09d', i)`,
          time: `strftime('%Y-%m-%dT%H:%M:%fZ', ${T0 / 1000} + i * ${STEP_S}, 'unixepoch')`,
          text: (e) => `CAST(${e} AS TEXT)`,
        }),
      );
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
      for (const table of Object.keys(ROLLUPS) as RollupTable[]) await backfill(db, table);
      await backfillSessionTotals(db);
      raw.exec('ANALYZE');
      await db.destroy();
    },
    close: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresTarget(adminUrl: string): Promise<Target> {
  assertLoopback(adminUrl);
  const fresh = await createDatabase(adminUrl);
  const store = await openPostgresStore(fresh.url);
  return {
    dialect: 'postgres',
    store,
    seed: async () => {
      const pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
      pool.on('error', () => {}); // its database is dropped with FORCE after pool.end(), which resolves before sockets close
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
      await pool.query(
        seedSql({
          series: `WITH n(i) AS (SELECT generate_series(0, ${ROWS - 1})::bigint)`,
          id: `'mcall_' || lpad(i::text, 9, '0')`,
          time: `to_char(to_timestamp(${T0 / 1000} + i * ${STEP_S}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
          text: (e) => `(${e})::text`,
        }),
      );
      for (const table of Object.keys(ROLLUPS) as RollupTable[]) await backfill(db, table);
      await backfillSessionTotals(db);
      await pool.query('ANALYZE');
      await db.destroy();
    },
    close: async () => {
      await store.close();
      await fresh.drop();
    },
  };
}

const month = { start: new Date(T0).toISOString(), end: new Date(T0 + SPAN_MS).toISOString() };
const base: UsageReportQuery = {
  workspaceId: DEFAULT_WORKSPACE_ID,
  ...month,
  bucket: undefined,
  groupBy: [],
  filters: { workspace_id: [DEFAULT_WORKSPACE_ID] },
  orderBy: 'total_tokens',
  order: 'desc',
  limit: 21,
  offset: 0,
};

const REPORTS: Array<[string, UsageReportQuery]> = [
  ['31 d usage by agent', { ...base, groupBy: ['agent_id'] }],
  ['31 d usage by model × day', { ...base, groupBy: ['model'], bucket: '1d', orderBy: 'time', limit: 1000 }],
  ['31 d cost by agent × model', { ...base, groupBy: ['agent_id', 'model'], orderBy: 'list_cost' }],
  ['31 d usage, one agent, by day', { ...base, bucket: '1d', filters: { ...base.filters, agent_id: ['agent_7'] }, orderBy: 'time', limit: 100 }],
  ['31 d usage of one session', { ...base, filters: { ...base.filters, session_id: ['sesn_123'] } }],
  ['31 d top 20 sessions', { ...base, groupBy: ['session_id'] }],
];

async function measure(t: Target): Promise<string[]> {
  const out: string[] = [];
  let t0 = performance.now();
  await t.seed();
  const seedS = (performance.now() - t0) / 1000;
  log(`${t.dialect}: seeded ${ROWS} ledger rows and their rollups in ${seedS.toFixed(1)} s`);
  for (const [name, q] of REPORTS) {
    const first = await t.store.usage.report(q); // warm-up, and a sanity check of the figures
    if (first.length === 0) throw new Error(`${name}: empty report`);
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      t0 = performance.now();
      await t.store.usage.report(q);
      times.push(performance.now() - t0);
    }
    out.push(`| ${t.dialect} | ${name} | ${first.length} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.95).toFixed(1)} |`);
  }
  // The per-session totals (backfilled) rank exactly as the session-hourly rollup sums: the same
  // report through the other path (a filter the totals do not keep, true of every seeded call).
  const top = REPORTS.find(([name]) => name.includes('top 20'))![1];
  const viaTotals = await t.store.usage.report(top);
  const viaHourly = await t.store.usage.report({ ...top, filters: { ...top.filters, product: ['agents'] } });
  if (JSON.stringify(viaTotals) !== JSON.stringify(viaHourly)) throw new Error('top 20 sessions: the totals and the hourly rollup disagree');
  // The write side: ledger batches of 50 calls (the gateway's flush size under load), rollups included.
  const batches = 200;
  const records = (k: number): UsageRecord[] =>
    Array.from({ length: 50 }, (_, j) => ({
      id: newId('mcall'),
      workspaceId: DEFAULT_WORKSPACE_ID,
      apiKeyId: null,
      product: 'agents',
      callKind: 'agent_turn',
      model: 'claude-sonnet-4-6',
      providerModel: 'claude-sonnet-4-6',
      provider: 'anthropic',
      sessionId: `sesn_w${k}_${j % 5}`,
      threadId: null,
      agentId: `agent_${j % AGENTS}`,
      agentVersion: 1,
      deploymentId: null,
      environmentId: 'env_1',
      conversationId: null,
      batchId: null,
      requestId: null,
      providerRequestId: null,
      messageId: null,
      inputTokens: 1000,
      outputTokens: 100,
      cacheReadInputTokens: 0,
      cacheCreation5mInputTokens: 0,
      cacheCreation1hInputTokens: 0,
      listCostNanoUsd: 4_500_000,
      latencyMs: 900,
      ttftMs: null,
      stopReason: 'end_turn',
      outcome: 'ok',
      streamed: true,
      toolNames: [],
      createdAt: new Date(T0 + SPAN_MS + k * 1000).toISOString(),
    }));
  t0 = performance.now();
  for (let k = 0; k < batches; k++) {
    const batch = records(k);
    await t.store.transaction((tx) => tx.usage.insertMany(batch));
  }
  const perBatch = (performance.now() - t0) / batches;
  out.push(`| ${t.dialect} | write: a batch of 50 calls with its rollups | — | ${perBatch.toFixed(1)} (mean) | — |`);
  return out;
}

const lines = [`| dialect | report (${ROWS.toLocaleString('en-US')} ledger rows) | rows | p50 ms | p95 ms |`, '|---|---|---|---|---|'];
const adminUrl = process.env.AGENTD_BENCH_DATABASE_URL ?? process.env.AGENTD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const targets = { sqlite: sqliteTarget, postgres: () => postgresTarget(adminUrl) };
for (const make of args.dialect ? [targets[args.dialect as keyof typeof targets]] : Object.values(targets)) {
  const target = await make();
  try {
    lines.push(...(await measure(target)));
  } finally {
    await target.close();
  }
}
process.stdout.write(lines.join('\n') + '\n');
