// `npx tsx bench/serve-start.ts`: how long `agentd serve` takes from spawn to its first 200 on
// GET /health, as a user starts it. Each run gets a fresh data dir (so the first run's migrations
// are included: that is a first start) and then a second start on the same dir (a restart, the
// schema already current). The server is stopped with SIGTERM. Prints min/median/max per kind.
//   RUNS=10 (default)   AGENTD_SANDBOX=none|bubblewrap (passed through; default bubblewrap)
//   DIALECT=postgres   each run on a new PostgreSQL database (created beside AGENTD_BENCH_DATABASE_URL's, default
//     postgres://postgres@127.0.0.1:5432/postgres, and dropped after the run) instead of SQLite in the data dir
//   AGENTD_BENCH_BIN='npx --no-install agentd'  runs another command line instead of the bundled CLI
//     (`node dist/bundle/agentd.js`, what package.json's bin runs); `node dist/cli/main.js` is the
//     unbundled one. Several command lines separated by `;` run interleaved (a pair of each per
//     run, in turn), so a changing load on the machine affects them alike.
// Sends traffic only to 127.0.0.1. See docs/benchmarks.md ("Start-up").
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, healthOnce } from './lib/agentd.js';
import { assertLoopback, createDatabase } from './lib/databases.js';

const RUNS = Number(process.env.RUNS ?? 10);
const DIALECT = process.env.DIALECT === 'postgres' ? 'postgres' : 'sqlite';
const ADMIN_URL = process.env.AGENTD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (DIALECT === 'postgres') assertLoopback(ADMIN_URL);


const BINS = (process.env.AGENTD_BENCH_BIN ?? `node ${path.resolve('dist/bundle/agentd.js')}`)
  .split(';')
  .map((b) => b.trim().split(/\s+/))
  .filter((b) => b[0]);

/** The CPU time (user + system) `pid` has used so far, in ms (Linux: /proc, 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * One start: spawn → first /health 200 (wall ms) and the CPU the server used until then (less
 * sensitive to other load on the machine); then SIGTERM and wait for the exit.
 */
async function startOnce(BIN: string[], dataDir: string, databaseUrl: string | undefined): Promise<{ wall: number; cpu: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(BIN[0]!, [...BIN.slice(1), 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AGENTD_LOG_LEVEL: 'warn', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => void (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (gone) throw new Error(`agentd exited during start:\n${stderr}`);
      if (Date.now() > deadline) throw new Error('agentd /health did not answer 200 within 30 s');
      if ((await healthOnce(port)) === 200) return { wall: performance.now() - started, cpu: cpuMs(child.pid!) };
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms, min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)}`;
};

type Run = { wall: number; cpu: number };
const results = BINS.map(() => ({ first: [] as Run[], restart: [] as Run[] }));
const load = os.loadavg()[0]!;
for (let i = 0; i < RUNS; i++) {
  for (const [b, bin] of BINS.entries()) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-start-'));
    const database = DIALECT === 'postgres' ? await createDatabase(ADMIN_URL) : undefined;
    try {
      results[b]!.first.push(await startOnce(bin, dir, database?.url));
      results[b]!.restart.push(await startOnce(bin, dir, database?.url));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await database?.drop();
    }
  }
}
const sandbox = process.env.AGENTD_SANDBOX ?? 'bubblewrap';
for (const [b, bin] of BINS.entries()) {
  console.log(`serve start → /health 200 (${bin.join(' ')}, ${DIALECT}, sandbox ${sandbox}, ${RUNS} runs, load ${load.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)})`);
  for (const [name, runs] of [['first start (fresh data dir)', results[b]!.first], ['restart (schema current)    ', results[b]!.restart]] as const) {
    console.log(`  ${name}: wall ${stats(runs.map((r) => r.wall))}; server CPU ${stats(runs.map((r) => r.cpu))}`);
  }
}
