// `npx tsx bench/webhook-outbox.ts`: what the durable webhook outbox adds to each session status
// event the engine appends, in process (no server): the append transaction without endpoints,
// with one subscribed endpoint and with five (one delivery row each, written in the same
// transaction), against an append whose type causes no webhook. SQLite always; PostgreSQL too
// when AGENTD_BENCH_DATABASE_URL names a database to create scratch databases next to.
// Prints one table; see docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createAgent } from '../src/commands/agents.js';
import { createEnvironment } from '../src/commands/environments.js';
import { createSession } from '../src/commands/sessions.js';
import { createEndpoint } from '../src/commands/webhooks/endpoints.js';
import { newId } from '../src/api/ids.js';
import { EventLog } from '../src/events/event-log.js';
import { InProcessEventBus } from '../src/events/event-bus.js';
import { localWorkspaces } from '../src/sandbox/workspace/local-workspaces.js';
import { DiskBlobStore } from '../src/store/blob-store.js';
import { openStore } from '../src/store/open-store.js';
import type { NewEvent, Store } from '../src/store/types.js';
import { DEFAULT_WORKSPACE_ID } from '../src/store/workspace.js';
import { createPriceTable } from '../src/telemetry/prices.js';

const EVENTS = 600;
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const statusEvent = (): NewEvent =>
  ({ id: newId('sevt'), threadId: null, type: 'session.status_running', body: { id: '', type: 'session.status_running' }, processedAt: null, createdAt: new Date().toISOString() }) as unknown as NewEvent;
const plainEvent = (): NewEvent =>
  ({ id: newId('sevt'), threadId: null, type: 'agent.message', body: { id: '', type: 'agent.message', content: [] }, processedAt: null, createdAt: new Date().toISOString() }) as unknown as NewEvent;

/** Median over rounds of the mean time per append (ms). */
async function perEvent(log: EventLog, sessionId: string, make: () => NewEvent): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i++) await log.append(sessionId, [make()]);
    rounds.push((performance.now() - t0) / EVENTS);
  }
  return median(rounds);
}

async function measure(label: string, store: Store, dir: string): Promise<string> {
  const ctx = {
    store,
    log: new EventLog(store, new InProcessEventBus()),
    blobs: new DiskBlobStore(path.join(dir, 'files')),
    now: () => new Date().toISOString(),
    workspaces: localWorkspaces(path.join(dir, 'workspaces')),
    modelProvider: 'anthropic' as const,
    prices: createPriceTable(),
  };
  const agent = await createAgent(ctx, DEFAULT_WORKSPACE_ID, { name: 'bench', model: 'claude-sonnet-4-6' } as never);
  const env = await createEnvironment(ctx, DEFAULT_WORKSPACE_ID, { name: `bench-${randomBytes(3).toString('hex')}` } as never);
  const session = await createSession(ctx, DEFAULT_WORKSPACE_ID, { agent: agent.id, environment_id: env.id });
  const plain = await perEvent(ctx.log, session.id, plainEvent);
  const none = await perEvent(ctx.log, session.id, statusEvent);
  // Endpoints that are never sent to in this process: the cost measured is the outbox write.
  await createEndpoint(ctx, 'allow', { url: 'https://hooks.example.com/1', enabled_events: ['session.status_run_started'] });
  const one = await perEvent(ctx.log, session.id, statusEvent);
  for (let i = 2; i <= 5; i++) {
    await createEndpoint(ctx, 'allow', { url: `https://hooks.example.com/${i}`, enabled_events: ['session.status_run_started', 'session.running'] });
  }
  const five = await perEvent(ctx.log, session.id, statusEvent);
  const ms = (x: number) => `${x.toFixed(3)} ms`;
  return `| ${label} | ${ms(plain)} | ${ms(none)} | ${ms(one)} (+${ms(one - none)}) | ${ms(five)} (+${ms(five - none)}) |`;
}

const rows: string[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-outbox-'));
try {
  const sqlite = await openStore({ databaseUrl: undefined, dataDir: dir });
  try {
    rows.push(await measure('SQLite', sqlite, dir));
  } finally {
    await sqlite.close();
  }
  const base = process.env.AGENTD_BENCH_DATABASE_URL;
  if (base) {
    const name = `agentd_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const store = await openStore({ databaseUrl: url.toString(), dataDir: dir });
    try {
      rows.push(await measure('PostgreSQL', store, dir));
    } finally {
      await store.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
  console.log('| store | append, no webhook type | status event, no endpoint | 1 endpoint subscribed | 5 endpoints (10 deliveries) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  console.log(`(mean per append over ${EVENTS} appends, median of ${ROUNDS} rounds; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
