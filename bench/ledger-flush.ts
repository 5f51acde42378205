// `npx tsx bench/ledger-flush.ts`: what one write of the usage ledger costs the server, in process (the real
// UsageLedger on the real store, no server): gateway calls spread over C conversations (`CONVERSATIONS`, default
// 1, 10, 100), recorded in batches of `CALLS` (default 100) and written with drain(); per batch: wall time, CPU time
// of this process, and the longest stretch without an event-loop turn (a timer ticking every millisecond), p50 of
// `RUNS` (default 40) after 5 warm-up batches. Both dialects (`--dialect sqlite|postgres` for one;
// AGENTD_BENCH_DATABASE_URL is PostgreSQL's admin URL, loopback only). See docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import type { Store } from '../src/store/types.js';
import { UsageProduct } from '../src/store/usage-types.js';
import { DEFAULT_WORKSPACE_ID } from '../src/store/workspace.js';
import { createPriceTable } from '../src/telemetry/prices.js';
import { UsageLedger, type UsageCall } from '../src/telemetry/usage-ledger.js';
import { assertLoopback, createDatabase } from './lib/databases.js';

const { values: args } = parseArgs({ options: { dialect: { type: 'string' } } });
const CALLS = Number(process.env.CALLS ?? 100);
const RUNS = Number(process.env.RUNS ?? 40);
const CONVERSATIONS = (process.env.CONVERSATIONS ?? '1,10,100').split(',').map(Number);
const adminUrl = process.env.AGENTD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function call(i: number): UsageCall {
  return {
    workspaceId: DEFAULT_WORKSPACE_ID,
    apiKeyId: null,
    product: UsageProduct.messagesApi,
    callKind: 'message',
    model: 'claude-sonnet-4-6',
    providerModel: 'claude-sonnet-4-6',
    provider: 'anthropic',
    sessionId: null,
    threadId: null,
    agentId: null,
    agentVersion: null,
    deploymentId: null,
    environmentId: null,
    conversationId: null,
    batchId: null,
    requestId: `req_${i}`,
    providerRequestId: `req_up_${i}`,
    messageId: `msg_${i}`,
    inputTokens: 12,
    outputTokens: 40,
    cacheReadInputTokens: 0,
    cacheCreation5mInputTokens: 0,
    cacheCreation1hInputTokens: 0,
    responseModel: 'claude-sonnet-4-6',
    latencyMs: 900,
    ttftMs: null,
    stopReason: 'end_turn',
    outcome: 'ok',
    streamed: false,
    toolNames: [],
    createdAt: new Date().toISOString(),
  };
}

/** The longest gap between ticks of a 1 ms timer while `fn` runs. */
async function withLongestBlock<T>(fn: () => Promise<T>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    await fn();
  } finally {
    clearInterval(timer);
    longest = Math.max(longest, performance.now() - last);
  }
  return longest;
}

async function measure(store: Store, conversations: number) {
  const ledger = new UsageLedger({ store, prices: createPriceTable(), logger: pino({ level: 'silent' }), observe: () => {} });
  const walls: number[] = [];
  const cpus: number[] = [];
  const blocks: number[] = [];
  let n = 0;
  for (let run = 0; run < RUNS + 5; run++) {
    const tag = `${conversations}-${run}-${process.hrtime.bigint()}`;
    for (let i = 0; i < CALLS; i++, n++) {
      void ledger.record({ ...call(n), conversationId: `conv_${tag}_${i % conversations}` }, { conversation: { id: `conv_${tag}_${i % conversations}`, source: 'prefix', userId: null } });
    }
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const block = await withLongestBlock(() => ledger.drain());
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (run < 5) continue;
    walls.push(wall);
    cpus.push((cpu.user + cpu.system) / 1000);
    blocks.push(block);
  }
  return { wall: median(walls), cpu: median(cpus), block: median(blocks) };
}

async function main() {
  const dialects = args.dialect ? [args.dialect] : ['sqlite', 'postgres'];
  console.log(`usage ledger: ${CALLS} gateway calls per write, medians of ${RUNS} writes; ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`);
  console.log('| dialect | conversations | wall ms | CPU ms | longest event-loop block ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const dialect of dialects) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-ledger-'));
    let drop: (() => Promise<void>) | undefined;
    let store: Store;
    if (dialect === 'postgres') {
      assertLoopback(adminUrl);
      const db = await createDatabase(adminUrl);
      drop = db.drop;
      store = await openPostgresStore(db.url);
    } else store = await openSqliteStore(path.join(dir, 'agentd.db'));
    try {
      for (const c of CONVERSATIONS) {
        const r = await measure(store, c);
        console.log(`| ${dialect} | ${c} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.block.toFixed(2)} |`);
      }
    } finally {
      await store.close();
      await drop?.();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
