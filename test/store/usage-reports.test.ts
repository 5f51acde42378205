// Usage reports equal the sum of the ledger, whichever rollups or totals the query reads: calls
// spread over days, sessions with calls on both sides of a range's edge (and of both edges),
// several models per session, calls without a session, batches (some larger than one statement's
// slice) written out of time order (so the upserts move a session's first and last call).
// Compared with sums computed here from the rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/api/ids.js';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { UsageProduct, type ReportDimension, type UsageRecord, type UsageReportQuery, type UsageReportRow } from '../../src/store/usage-types.js';
import { createPostgresDatabase, dialects } from '../helpers/databases.js';
import { WS } from './fixtures.js';

const HOUR = 3_600_000;
const T = Date.parse('2026-03-01T00:00:00.000Z');
const hourIso = (h: number) => new Date(T + h * HOUR).toISOString();

/** A small deterministic generator (the same rows on every run). */
function lcg(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x % n;
  };
}

function ledger(): UsageRecord[] {
  const rand = lcg(13);
  const models = ['claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5'];
  const record = (sessionId: string | null, agent: string | null, ms: number): UsageRecord => ({
    id: newId('mcall'),
    workspaceId: WS,
    apiKeyId: null,
    product: sessionId ? UsageProduct.agents : UsageProduct.messagesApi,
    callKind: sessionId ? 'agent_turn' : 'message',
    model: models[rand(3)]!,
    providerModel: 'p',
    provider: 'anthropic',
    sessionId,
    threadId: null,
    agentId: agent,
    agentVersion: agent ? 1 : null,
    deploymentId: null,
    environmentId: sessionId ? 'env_1' : null,
    conversationId: null,
    batchId: null,
    requestId: null,
    providerRequestId: null,
    messageId: null,
    inputTokens: 1 + rand(5000),
    outputTokens: rand(900),
    cacheReadInputTokens: rand(3) === 0 ? 0 : rand(20_000),
    cacheCreation5mInputTokens: rand(1000),
    cacheCreation1hInputTokens: rand(4) === 0 ? rand(500) : 0,
    listCostNanoUsd: rand(10) === 0 ? null : rand(50_000_000),
    latencyMs: 100,
    ttftMs: null,
    stopReason: 'end_turn',
    outcome: 'ok',
    streamed: true,
    toolNames: [],
    createdAt: new Date(T + ms).toISOString(),
  });
  const out: UsageRecord[] = [];
  // 30 sessions over 4 days, each calling for up to 40 hours (many cross a day or a range edge).
  for (let s = 0; s < 30; s++) {
    const start = rand(96 * 60) * 60_000;
    const span = rand(40 * 60) * 60_000;
    const calls = 1 + rand(8);
    for (let c = 0; c < calls; c++) out.push(record(`sesn_${String(s).padStart(2, '0')}`, `agent_${s % 4}`, start + rand(span + 1)));
  }
  // One session calling before, during and after every range below.
  for (const h of [-5, 10, 30, 50, 75, 100]) out.push(record('sesn_long', 'agent_0', h * HOUR + 1234));
  // Calls at the exact hour boundaries of the ranges below.
  for (const h of [24, 29, 48, 65]) out.push(record('sesn_edge', 'agent_1', h * HOUR), record('sesn_edge', 'agent_1', h * HOUR - 1));
  // Gateway calls, without a session.
  for (let i = 0; i < 40; i++) out.push(record(null, null, rand(96 * 60) * 60_000));
  return out;
}

type Metric = 'inputTokens' | 'outputTokens' | 'cacheReadInputTokens' | 'cacheCreation5mInputTokens' | 'cacheCreation1hInputTokens' | 'listCostNanoUsd';
const METRICS: Metric[] = ['inputTokens', 'outputTokens', 'cacheReadInputTokens', 'cacheCreation5mInputTokens', 'cacheCreation1hInputTokens', 'listCostNanoUsd'];

const dimensionOf = (r: UsageRecord, d: ReportDimension): string | null =>
  ({
    agent_id: r.agentId,
    session_id: r.sessionId,
    deployment_id: r.deploymentId,
    environment_id: r.environmentId,
    model: r.model,
    api_key_id: r.apiKeyId,
    workspace_id: r.workspaceId,
    product: r.product,
  })[d];

const WIDTH = { '1m': 16, '1h': 13, '1d': 10 } as const;

/** The report, computed from the ledger rows themselves (every group; unordered). */
function expected(records: UsageRecord[], q: UsageReportQuery): Map<string, UsageReportRow> {
  const groups = new Map<string, UsageReportRow>();
  for (const r of records) {
    if (r.createdAt < q.start || r.createdAt >= q.end) continue;
    if (!Object.entries(q.filters).every(([d, vs]) => vs.length === 0 || vs.includes(dimensionOf(r, d as ReportDimension)))) continue;
    const bucket = q.bucket ? r.createdAt.slice(0, WIDTH[q.bucket]) : null;
    const group = Object.fromEntries(q.groupBy.map((d) => [d, dimensionOf(r, d)]));
    const key = JSON.stringify([bucket, group]);
    const row = groups.get(key) ?? { bucket, group, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreation5mInputTokens: 0, cacheCreation1hInputTokens: 0, listCostNanoUsd: 0 };
    row.requests += 1;
    for (const m of METRICS) row[m] += r[m] ?? 0;
    groups.set(key, row);
  }
  return groups;
}

const total = (r: UsageReportRow) => r.inputTokens + r.outputTokens + r.cacheReadInputTokens + r.cacheCreation5mInputTokens + r.cacheCreation1hInputTokens;
const RANKED: Record<string, (r: UsageReportRow) => number> = {
  total_tokens: total,
  output_tokens: (r) => r.outputTokens,
  requests: (r) => r.requests,
  uncached_input_tokens: (r) => r.inputTokens,
  list_cost: (r) => r.listCostNanoUsd,
};

// Whole days; ragged hours; a range inside sesn_long's span; one whose edges fall on sesn_edge's calls.
const RANGES: Array<[number, number]> = [
  [24, 72],
  [5, 61],
  [29, 65],
  [24, 48],
  [-24, 120],
];

describe.each(dialects())('usage reports equal the ledger (%s)', (dialect) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const records = ledger();

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-usage-'));
      store = await openSqliteStore(path.join(dir, 'agentd.db'));
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    } else {
      const db = await createPostgresDatabase();
      store = await openPostgresStore(db.url);
      cleanup = db.drop;
    }
    // Batches of 1–7 calls, and now and then of 17–56 (written in several slices), in an order unrelated to time.
    const rand = lcg(7);
    const shuffled = records.map((_, i, all) => all[(i * 37) % all.length]!);
    expect(new Set(shuffled.map((r) => r.id)).size).toBe(records.length);
    for (let i = 0; i < shuffled.length; ) {
      const n = rand(6) === 0 ? 17 + rand(40) : 1 + rand(7);
      const batch = shuffled.slice(i, i + n);
      await store.transaction((tx) => tx.usage.insertMany(batch));
      i += n;
    }
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  const query = (range: [number, number], over: Partial<UsageReportQuery>): UsageReportQuery => ({
    workspaceId: WS,
    start: hourIso(range[0]),
    end: hourIso(range[1]),
    bucket: undefined,
    groupBy: [],
    filters: {},
    orderBy: 'total_tokens',
    order: 'desc',
    limit: 1000,
    offset: 0,
    ...over,
  });

  /** Every group, each exactly the ledger's sums, in the requested order of the ranked metric. */
  async function expectExact(q: UsageReportQuery): Promise<void> {
    const want = expected(records, q);
    const got = await store.usage.report(q);
    expect(got).toHaveLength(want.size);
    for (const row of got) expect(row).toEqual(want.get(JSON.stringify([row.bucket, row.group])));
    if (!q.bucket) {
      const rank = RANKED[q.orderBy === 'time' ? 'total_tokens' : q.orderBy]!;
      const values = got.map(rank);
      expect(values).toEqual([...values].sort((a, b) => (q.order === 'asc' ? a - b : b - a)));
    }
  }

  it('keeps every call of a session in the ledger, whatever the size of its batch', async () => {
    const sessions = [...new Set(records.flatMap((r) => (r.sessionId ? [r.sessionId] : [])))];
    for (const sessionId of sessions) {
      const page = await store.usage.listBySession(WS, sessionId, { limit: 1000, order: 'asc' });
      const want = records.filter((r) => r.sessionId === sessionId).map((r) => r.id).sort();
      expect(page.items.map((r) => r.id).sort()).toEqual(want);
    }
  });

  it.each(RANGES)('grouped by session over hours %i–%i', async (from, to) => {
    await expectExact(query([from, to], { groupBy: ['session_id'] }));
    await expectExact(query([from, to], { groupBy: ['workspace_id', 'session_id'], filters: { workspace_id: [WS] } }));
    // The other paths, for the same range.
    await expectExact(query([from, to], { groupBy: ['session_id', 'model'] }));
    await expectExact(query([from, to], { groupBy: ['session_id'], filters: { agent_id: ['agent_1'] } }));
    await expectExact(query([from, to], { groupBy: ['session_id'], bucket: '1d', orderBy: 'time' }));
    await expectExact(query([from, to], { groupBy: ['agent_id', 'model'] }));
    await expectExact(query([from, to], { filters: { session_id: ['sesn_long', 'sesn_edge'] } }));
  });

  it.each(RANGES)('top sessions by each metric, page by page, over hours %i–%i', async (from, to) => {
    for (const orderBy of Object.keys(RANKED) as UsageReportQuery['orderBy'][]) {
      for (const order of ['asc', 'desc'] as const) {
        const all = await store.usage.report(query([from, to], { groupBy: ['session_id'], orderBy, order }));
        const want = expected(records, query([from, to], { groupBy: ['session_id'] }));
        expect(all).toHaveLength(want.size);
        // Pages of 3 walk the same ranking, each row exact.
        const paged: UsageReportRow[] = [];
        for (let offset = 0; offset < all.length; offset += 3) {
          paged.push(...(await store.usage.report(query([from, to], { groupBy: ['session_id'], orderBy, order, limit: 3, offset }))));
        }
        expect(paged).toEqual(all);
        for (const row of all) expect(row).toEqual(want.get(JSON.stringify([null, row.group])));
        const values = all.map(RANKED[orderBy]!);
        expect(values).toEqual([...values].sort((a, b) => (order === 'asc' ? a - b : b - a)));
      }
    }
  });
});
