// `npx tsx bench/replica-failover.ts`: replicas on PostgreSQL, two figures (issue #14).
//
// 1. Failover time: three replicas; a session's turn runs a long bash call; the replica holding the
//    session's lease is SIGKILLed mid-call. Measured: from the SIGKILL to the arrival, on an SSE
//    stream held on a surviving replica, of the first event the new owner commits. A few runs with
//    the default lease (10 s, sweep 2 s) and a few with a short one (2 s, sweep 300 ms).
// 2. Throughput: completed turns/s with 1, 2 and 3 replicas, each on a fresh database: SESSIONS
//    sessions each sending a one-model-call turn (text answer, no tool) as soon as its previous turn
//    ended, sends and streams spread over the replicas as a round-robin balancer would. Also
//    measured per turn: database commits and rows written (pg_stat_database of that database only)
//    and the replicas' CPU time.
//
// Everything runs on this machine (replicas, PostgreSQL, the zero-latency fake model, this client).
// AGENTD_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) is the admin URL
// scratch databases are made next to. FAILOVER_RUNS, SHORT_FAILOVER_RUNS, SESSIONS, WINDOW_MS
// override the defaults; REPLICAS picks the throughput runs' cluster sizes (default 1,2,3), PROF_DIR
// has the replicas write CPU profiles there (and prints each measuring window for bench/lib/profile.ts
// --window), PLACEMENT=split|first places streams and sends otherwise than a round-robin balancer
// would (see PLACEMENT below). Total under ~3 minutes. See docs/benchmarks.md and docs/scaling.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BENCH_API_KEY, readCpuMs, setAgentdBin, startAgentd, type Agentd } from './lib/agentd.js';
import { assertLoopback, createDatabase, type FreshDatabase } from './lib/databases.js';
import { respond, planMessage, startBenchModel } from './lib/fake-model.js';
import { openStream, type Frame, type SessionStream } from './lib/sse-client.js';
import { percentile } from './lib/stats.js';
import type { RecordedRequest, ScriptedOutcome } from '../test/helpers/fake-anthropic/index.js';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const FAILOVER_RUNS = num('FAILOVER_RUNS', 3);
const SHORT_FAILOVER_RUNS = num('SHORT_FAILOVER_RUNS', 3);
/** The cluster sizes of the throughput runs (REPLICAS=1,2,3). */
const REPLICAS = (process.env.REPLICAS ?? '1,2,3').split(',').map(Number);
/** Where the replicas write CPU profiles (--cpu-prof), if set (PROF_DIR). */
const PROF_DIR = process.env.PROF_DIR;
/**
 * Where the throughput runs put each session's stream and sends (PLACEMENT): `spread` (default) a round-robin balancer
 * without stickiness, stream on one replica and sends on the next; `split` every stream on the first replica and
 * every send on the last, so each replica's CPU is one role's; `first` everything on the first replica, the others
 * only listening (what a replica's mere presence costs).
 */
const PLACEMENT = (process.env.PLACEMENT ?? 'spread') as 'spread' | 'split' | 'first';
if (!['spread', 'split', 'first'].includes(PLACEMENT)) throw new Error(`PLACEMENT: spread, split or first, not ${PLACEMENT}`);
const SESSIONS = num('SESSIONS', 24);
const WARMUP_MS = 3_000;
const WINDOW_MS = num('WINDOW_MS', 15_000);
const FAILOVER_PROMPT = 'failover: run the long call';
const adminUrl = process.env.AGENTD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
assertLoopback(adminUrl);
setAgentdBin(path.resolve('dist/cli/main.js'));

const log = (line: string) => process.stdout.write(`${line}\n`);
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').trim();
const f1 = (x: number) => x.toFixed(1);

// The model: a failover session's first call is a bash call that outlives the kill; every other
// answer (the throughput turns, the failover session after takeover) is immediate text.
const model = await startBenchModel();
let modelCalls = 0;
model.setResponder((req: RecordedRequest): ScriptedOutcome => {
  modelCalls++;
  const messages = req.conversation as Array<{ role: string; content: unknown }>;
  if (JSON.stringify(messages[0]?.content ?? '').includes(FAILOVER_PROMPT)) {
    return messages.some((m) => m.role === 'assistant')
      ? { content: [{ type: 'text', text: 'recovered' }] }
      : { content: [{ type: 'tool_use', name: 'bash', input: { command: 'sleep 30' } }] };
  }
  return respond(req);
});

interface Cluster {
  db: FreshDatabase;
  replicas: Agentd[];
  pg: pg.Client;
}

async function startCluster(count: number, env: Record<string, string> = {}): Promise<Cluster> {
  const db = await createDatabase(adminUrl);
  const replicas: Agentd[] = [];
  const cluster = { db, replicas, pg: new pg.Client({ connectionString: db.url }) };
  const one = async (i: number) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `agentd-bench-replica-${i}-`));
    return startAgentd({ dialect: 'postgres', postgresUrl: adminUrl, modelUrl: model.url, label: `r${i}`, env, ...(PROF_DIR ? { cpuProfDir: PROF_DIR } : {}), reuse: { dataDir, databaseUrl: db.url } });
  };
  // The first replica migrates the fresh database; the others start on it together.
  replicas.push(await one(0));
  replicas.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => one(i + 1)))));
  await cluster.pg.connect();
  return cluster;
}

async function stopCluster(c: Cluster): Promise<void> {
  await c.pg.end().catch(() => {});
  for (const r of c.replicas) {
    await r.stop({ keepData: true }).catch(() => {});
    fs.rmSync(r.dataDir, { recursive: true, force: true });
  }
  await c.db.drop();
}

const engineId = (r: Agentd) => fs.readFileSync(path.join(r.dataDir, 'engine-id'), 'utf8').trim();

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One failover: returns ms from the SIGKILL of the lease holder to the new owner's first event on a survivor's stream. */
async function failoverOnce(c: Cluster, run: number): Promise<number> {
  const client = c.replicas[run % c.replicas.length]!.client;
  const agent = await client.beta.agents.create({ name: `failover-${run}`, model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
  const env = await client.beta.environments.create({ name: `failover-${run}-${Date.now()}` });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  await client.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: FAILOVER_PROMPT }] }] });
  // The long call has started on the lease holder.
  await until('the bash call', async () => {
    const events = (await client.beta.sessions.events.list(session.id)).data;
    return events.some((e) => e.type === 'agent.tool_use') ? true : undefined;
  });
  const { rows } = await c.pg.query('SELECT lease_owner FROM sessions WHERE id = $1', [session.id]);
  const victimIndex = c.replicas.findIndex((r) => engineId(r) === rows[0]?.lease_owner);
  if (victimIndex < 0) throw new Error('no replica holds the lease');
  const victim = c.replicas[victimIndex]!;
  const survivor = c.replicas[(victimIndex + 1) % c.replicas.length]!;
  const frames: Frame[] = [];
  const stream: SessionStream = openStream(survivor.url, BENCH_API_KEY, session.id, (fr) => frames.push(fr));
  await stream.ready;
  await new Promise((r) => setTimeout(r, 500)); // the call is well under way

  const killedAt = performance.now();
  process.kill(victim.pid, 'SIGKILL');
  // Dead: the log now holds everything the victim committed; any later event is the new owner's.
  await until('the victim to exit', async () => (fs.existsSync(`/proc/${victim.pid}`) && !fs.readFileSync(`/proc/${victim.pid}/stat`, 'utf8').includes(') Z') ? undefined : true));
  const before = new Set((await survivor.client.beta.sessions.events.list(session.id, { limit: 1000 })).data.map((e) => e.id));
  const first = await until('the new owner\'s first event', async () =>
    frames.find((fr) => fr.at > killedAt && !before.has((JSON.parse(fr.data) as { id: string }).id)),
  );
  await until('the turn to end', async () => (frames.some((fr) => fr.type === 'session.status_idle') ? true : undefined));
  stream.close();
  // Bring the victim back (same data dir, same database) for the next run.
  await victim.stop({ keepData: true });
  c.replicas[victimIndex] = await startAgentd({
    dialect: 'postgres', postgresUrl: adminUrl, modelUrl: model.url, label: `r${victimIndex}`,
    env: leaseEnv(c), reuse: { dataDir: victim.dataDir, databaseUrl: c.db.url },
  });
  return first.at - killedAt;
}

const leaseEnvs = new WeakMap<Cluster, Record<string, string>>();
const leaseEnv = (c: Cluster) => leaseEnvs.get(c) ?? {};

async function failover(runs: number, env: Record<string, string>, label: string): Promise<void> {
  if (runs <= 0) return;
  const c = await startCluster(3, env);
  leaseEnvs.set(c, env);
  try {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push(await failoverOnce(c, i));
    log(`failover (${label}), ${runs} runs, SIGKILL of the lease holder -> first event of the new owner on a survivor's stream`);
    log(`  ms: p50 ${f1(percentile(ms, 50))}  max ${f1(Math.max(...ms))}  runs ${ms.map(f1).join(' ')}`);
  } finally {
    await stopCluster(c);
  }
}

interface DbStats {
  commits: number;
  written: number;
}

async function dbStats(c: Cluster): Promise<DbStats> {
  const { rows } = await c.pg.query(
    'SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = current_database()',
  );
  const r = rows[0] as Record<string, string>;
  return { commits: Number(r.xact_commit), written: Number(r.tup_inserted) + Number(r.tup_updated) + Number(r.tup_deleted) };
}

/** CPU ms of the PostgreSQL backends serving this database (their titles name it); local PostgreSQL only. */
function backendCpuMs(c: Cluster): Map<number, number> {
  const name = new URL(c.db.url).pathname.slice(1);
  const out = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${name} `)) out.set(Number(entry), readCpuMs(Number(entry)));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** CPU used between two backend snapshots (a backend that went away meanwhile is not counted). */
function backendCpuDelta(a: Map<number, number>, b: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of b) sum += ms - (a.get(pid) ?? 0);
  return sum;
}

async function throughput(count: number): Promise<void> {
  const c = await startCluster(count);
  try {
    const client0 = c.replicas[0]!.client;
    const agent = await client0.beta.agents.create({ name: `throughput-${count}`, model: 'claude-sonnet-4-6' });
    const env = await client0.beta.environments.create({ name: `throughput-${count}-${Date.now()}` });
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => client0.beta.sessions.create({ agent: agent.id, environment_id: env.id })));
    let counting = false;
    let turns = 0;
    const latencies: number[] = [];
    let stopping = false;
    const streams: SessionStream[] = [];
    const loops = sessions.map(async (s, i) => {
      // By default a balancer without stickiness: this session's stream on one replica, its sends on another.
      const streamOn = PLACEMENT === 'spread' ? c.replicas[i % count]! : c.replicas[0]!;
      const sendOn = PLACEMENT === 'spread' ? c.replicas[(i + 1) % count]! : PLACEMENT === 'split' ? c.replicas[count - 1]! : c.replicas[0]!;
      let ended: (() => void) | undefined;
      const stream = openStream(streamOn.url, BENCH_API_KEY, s.id, (fr) => {
        if (fr.type === 'session.status_idle' && fr.data.includes('"end_turn"')) ended?.();
      });
      streams.push(stream);
      await stream.ready;
      while (!stopping) {
        const done = new Promise<void>((resolve) => (ended = resolve));
        const sentAt = performance.now();
        await sendOn.client.beta.sessions.events.send(s.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: planMessage('') }] }] });
        await done;
        if (counting) {
          turns++;
          latencies.push(performance.now() - sentAt);
        }
      }
    });
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const cpu0 = c.replicas.map((r) => r.cpuMs());
    const db0 = await dbStats(c);
    const pg0 = backendCpuMs(c);
    const calls0 = modelCalls;
    const bench0 = process.cpuUsage();
    counting = true;
    const t0 = performance.now();
    const mono0 = process.hrtime.bigint() / 1000n;
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    counting = false;
    if (PROF_DIR) log(`measuring window, for \`bench/lib/profile.ts --window ${mono0} ${process.hrtime.bigint() / 1000n}\``);
    const elapsed = (performance.now() - t0) / 1000;
    const db1 = await dbStats(c);
    const pgCpu = backendCpuDelta(pg0, backendCpuMs(c));
    const calls = modelCalls - calls0;
    const benchCpu = process.cpuUsage(bench0);
    const cpuEach = c.replicas.map((r, i) => r.cpuMs() - cpu0[i]!);
    const cpu = cpuEach.reduce((sum, ms) => sum + ms, 0);
    stopping = true;
    await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 10_000))]);
    for (const s of streams) s.close();
    log(
      `throughput, ${count} replica(s)${PLACEMENT === 'spread' ? '' : ` (placement ${PLACEMENT})`}, ${SESSIONS} sessions, ${f1(elapsed)} s: ${f1(turns / elapsed)} turns/s` +
        `  | per turn: ${(calls / turns).toFixed(2)} model calls, ${f1((db1.commits - db0.commits) / turns)} commits, ${f1((db1.written - db0.written) / turns)} rows written, ${f1(cpu / turns)} ms replica CPU, ${f1(pgCpu / turns)} ms PostgreSQL backend CPU, ${f1((benchCpu.user + benchCpu.system) / 1000 / turns)} ms this client's CPU (fake model included)` +
        (count > 1 ? ` (${cpuEach.map((ms) => f1(ms / turns)).join(' + ')})` : '') +
        `\n  turn (send -> end_turn on the stream) ms: p50 ${f1(percentile(latencies, 50))}  p90 ${f1(percentile(latencies, 90))}  p99 ${f1(percentile(latencies, 99))}`,
    );
  } finally {
    await stopCluster(c);
  }
}

log(`loadavg at start: ${loadavg()}  (${os.cpus().length} CPUs)`);
try {
  await failover(FAILOVER_RUNS, {}, 'default lease 10 s, sweep 2 s');
  await failover(SHORT_FAILOVER_RUNS, { AGENTD_LEASE_MS: '2000', AGENTD_LEASE_SWEEP_MS: '300' }, 'lease 2 s, sweep 300 ms');
  for (const n of REPLICAS) await throughput(n);
} finally {
  await model.close();
  log(`loadavg at end: ${loadavg()}`);
}
