// Spawns the real `agentd serve` (dist/cli/main.js) as its own process, as users run it, and
// measures it from outside: start time, RSS and CPU from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Anthropic from '@anthropic-ai/sdk';
import { createDatabase, type FreshDatabase } from './databases.js';
import { HttpClient } from './http-client.js';
import type { Dialect } from './options.js';
import { freePort } from '../../test/helpers/agentd-process.js';

export const BENCH_API_KEY = 'sk-agentd-bench-key';
export const BENCH_MODEL_KEY = 'sk-bench-model-key';
/** The `agentd` entry the servers run; the runner points it at its snapshot of dist/. */
let agentdBin = path.resolve('dist/cli/main.js');
export const setAgentdBin = (bin: string) => void (agentdBin = bin);
/** What package.json's bin and `npm start` run: the launcher of the bundle (scripts/bundle.mjs), in the same dist/. */
export const bundledBin = () => path.join(agentdDist(), 'bundle', 'agentd.js');
/** The dist/ directory the servers run from. */
export const agentdDist = () => path.dirname(path.dirname(agentdBin));
const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat counts CPU time in these ticks

export interface AgentdOptions {
  dialect: Dialect;
  postgresUrl: string;
  /** The fake Messages API; without one the engine is off (AGENTD_ENGINE=off). */
  modelUrl?: string | undefined;
  env?: Record<string, string>;
  /** Extra flags for node itself (e.g. --trace-gc). */
  nodeArgs?: string[];
  /** Directory for `node --cpu-prof`; profiles are named after `label`. */
  cpuProfDir?: string | undefined;
  label: string;
  /** Reuse this data dir / database (a restart); the caller then owns their cleanup. */
  reuse?: { dataDir: string; databaseUrl: string | undefined };
  /** Another agentd entry point than the default (e.g. the bundle, bundledBin()). */
  bin?: string;
}

export interface Agentd {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** From spawn() to the first 200 of GET /health, in ms. */
  readonly startMs: number;
  readonly client: Anthropic;
  readonly http: HttpClient;
  /** Resident set size in KiB (VmRSS). */
  rssKb(): number;
  /** User + system CPU time consumed so far, in ms. */
  cpuMs(): number;
  output(): string;
  /** Calls `fn` with every chunk the server writes to stdout/stderr from now on. */
  watchOutput(fn: (text: string) => void): void;
  /** SIGTERM (graceful: profiles get written), wait for exit; SIGKILL after 20 s. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Deletes the data dir and database this server created (after `stop({ keepData: true })`). */
  discard(): Promise<void>;
}

/** Live servers, so that a budget overrun or Ctrl-C can stop them. */
export const liveServers = new Set<Agentd>();

export { freePort };

/** Our environment minus anything that could point agentd at a real model, key or database. */
function cleanEnv(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(AGENTD_|ANTHROPIC_|AWS_|CLOUD_ML_|GOOGLE_|DATABASE_URL$|NODE_OPTIONS$)/.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** One GET /health on loopback: its status, or 0 when nothing answered (within 1 s). */
export function healthOnce(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(1_000, () => req.destroy());
  });
}

async function waitHealthy(port: number, child: ChildProcess, exited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('agentd exited during start');
    if ((await healthOnce(port)) === 200) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  throw new Error(`agentd /health did not answer 200 within ${timeoutMs} ms`);
}

export function readRssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) : NaN;
}

export function readCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Processes below `pid` (its sandboxes and their children). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Proportional set size (KiB): RSS with each shared page divided among the processes mapping it. */
function readPssKb(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** The server's sandbox spawner: one per server, not part of any sandbox. */
function isSandboxSpawner(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('spawner-main.js');
  } catch {
    return false;
  }
}

/** Summed RSS and PSS (KiB) of every process below `pid` (sandboxes: the spawner is not counted), but those in `except`. */
export function descendantsRssKb(pid: number, except: ReadonlySet<number> = new Set()): { kb: number; pssKb: number; processes: number } {
  let kb = 0;
  let pssKb = 0;
  let processes = 0;
  for (const p of descendants(pid)) {
    if (except.has(p) || isSandboxSpawner(p)) continue;
    try {
      const v = readRssKb(p);
      if (Number.isFinite(v)) {
        kb += v;
        pssKb += readPssKb(p);
        processes++;
      }
    } catch {
      // exited meanwhile
    }
  }
  return { kb, pssKb, processes };
}

/** MemAvailable from /proc/meminfo, in KiB. */
export function memAvailableKb(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export async function startAgentd(opts: AgentdOptions): Promise<Agentd> {
  const dataDir = opts.reuse?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-'));
  let db: FreshDatabase | undefined;
  let databaseUrl = opts.reuse?.databaseUrl;
  if (!opts.reuse && opts.dialect === 'postgres') {
    db = await createDatabase(opts.postgresUrl);
    databaseUrl = db.url;
  }
  const port = await freePort();
  // BENCH_PRELOAD: a script every agentd of the run loads first (`--require`), e.g. one counting statements by text.
  const preload = process.env.BENCH_PRELOAD;
  // BENCH_NODE_ARGS: node flags for every agentd of the run, e.g. `--trace-gc` or `--cpu-prof-interval 100` (with --cpu-prof).
  const extraNodeArgs = process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const nodeArgs: string[] = [...(opts.nodeArgs ?? []), ...(preload ? ['--require', preload] : []), ...extraNodeArgs];
  if (opts.cpuProfDir) {
    fs.mkdirSync(opts.cpuProfDir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir, '--cpu-prof-name', `${opts.label}.${Date.now()}.cpuprofile`);
  }
  const args = [...nodeArgs, opts.bin ?? agentdBin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const engineEnv: Record<string, string> = opts.modelUrl
    ? { ANTHROPIC_BASE_URL: opts.modelUrl, ANTHROPIC_API_KEY: BENCH_MODEL_KEY, AGENTD_MODEL_MAX_RETRIES: '0' }
    : { AGENTD_ENGINE: 'off' };
  const env = { ...cleanEnv(), AGENTD_API_KEY: BENCH_API_KEY, AGENTD_LOG_LEVEL: 'warn', ...engineEnv, ...opts.env };

  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // BENCH_SERVER_LOG: every agentd's output appended to this file as it comes (the run keeps only a tail in memory).
  const serverLog = process.env.BENCH_SERVER_LOG;
  const watchers: Array<(text: string) => void> = [];
  const keep = (d: Buffer) => {
    const text = d.toString();
    for (const w of watchers) w(text);
    out += text;
    if (serverLog) fs.appendFileSync(serverLog, text);
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let hasExited = false;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      hasExited = true;
      resolve();
    }),
  );
  const cleanup = async () => {
    if (!opts.reuse) {
      await db?.drop().catch(() => {});
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    await waitHealthy(port, child, () => hasExited, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await cleanup();
    throw new Error(`${(err as Error).message}\n--- agentd output ---\n${out.slice(-4000)}`);
  }
  const startMs = performance.now() - t0;
  const url = `http://127.0.0.1:${port}`;
  const pid = child.pid!;
  const httpClient = new HttpClient(url, BENCH_API_KEY);
  const server: Agentd = {
    url,
    pid,
    dataDir,
    databaseUrl,
    startMs,
    client: new Anthropic({ baseURL: url, apiKey: BENCH_API_KEY, maxRetries: 0, timeout: 60_000 }),
    http: httpClient,
    rssKb: () => readRssKb(pid),
    cpuMs: () => readCpuMs(pid),
    output: () => out,
    watchOutput: (fn) => void watchers.push(fn),
    stop: async (stopOpts = {}) => {
      liveServers.delete(server);
      httpClient.close();
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      if (!stopOpts.keepData) await cleanup();
    },
    discard: cleanup,
  };
  liveServers.add(server);
  return server;
}
