// Where the figures came from: CPU, memory, Node, PostgreSQL, and which sandbox the build uses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentdDist } from './agentd.js';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
  postgres?: string;
  /** Whether the built server knows AGENTD_SANDBOX, and which provider its wiring names. */
  sandbox: { knob: boolean; wiring: string };
}

/** Reads the compiled server (the code the benchmark runs) rather than guessing from src. */
export function sandboxInfo(): Machine['sandbox'] {
  const read = (p: string) => {
    try {
      return fs.readFileSync(path.resolve(p), 'utf8');
    } catch {
      return '';
    }
  };
  const config = read(path.join(agentdDist(), 'src/config/config.js'));
  const server = read(path.join(agentdDist(), 'src/services/server.js'));
  const knob = config.includes('AGENTD_SANDBOX');
  // e.g. `const value = raw === undefined || raw === '' ? 'bubblewrap' : raw;` in parseSandboxKind
  const fallback = /function parseSandboxKind[\s\S]{0,300}?\?\s*'([a-z]+)'\s*:\s*raw/.exec(config)?.[1];
  const wiring = knob
    ? `${fallback ?? 'unknown'} (AGENTD_SANDBOX default)`
    : /directSandboxProvider/.test(server)
      ? 'direct (no isolation; no AGENTD_SANDBOX knob yet)'
      : 'unknown';
  return { knob, wiring };
}

export function machine(): Machine {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    sandbox: sandboxInfo(),
  };
}

/** System-wide CPU counters from /proc/stat (all cores), to tell how busy the machine was. */
export interface CpuSnapshot {
  busy: number;
  total: number;
  /** CPU ticks of this process and its reaped children (the agentd servers it stopped). */
  ours: number;
  at: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.reduce((a, b) => a + b, 0);
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // utime, stime, cutime, cstime (fields 14–17), in the same USER_HZ ticks as /proc/stat
  const ours = (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0);
  return { busy: total - idle, total, ours: ours + postgresTicks(), at: Date.now() };
}

/** Busy share of all cores between two snapshots, in percent of the whole machine. */
export function busyPct(a: CpuSnapshot, b: CpuSnapshot): number {
  const total = b.total - a.total;
  return total > 0 ? (100 * (b.busy - a.busy)) / total : NaN;
}

/**
 * CPU ticks of every PostgreSQL process (backends, and the postmaster's reaped children): the
 * database works for whichever client, and counting it as "ours" keeps the foreign-load figure honest
 * on the side of reporting less interference, not more.
 */
function postgresTicks(): number {
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      ticks += (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return ticks;
}

/** Share of the machine used by others (not this process, servers it has stopped, or PostgreSQL), in percent. */
export function othersPct(a: CpuSnapshot, b: CpuSnapshot): number {
  const total = b.total - a.total;
  return total > 0 ? (100 * Math.max(0, b.busy - a.busy - (b.ours - a.ours))) / total : NaN;
}

/** Waits (up to `maxMs`) until the machine has been mostly idle for a 5 s window; returns the last reading. */
export async function waitQuiet(maxPct: number, maxMs: number, log: (m: string) => void): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const a = cpuSnapshot();
    await new Promise((r) => setTimeout(r, 5_000));
    const pct = busyPct(a, cpuSnapshot());
    if (pct <= maxPct || Date.now() > deadline) return pct;
    log(`machine ${pct.toFixed(0)}% busy (other work); waiting for ≤ ${maxPct}%`);
  }
}
