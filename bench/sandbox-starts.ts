// `npx tsx bench/sandbox-starts.ts`: the floor of item 3 with bubblewrap. Item 3's 1,000 sessions each start a sandbox
// for their first `bash` call; this starts the same sandboxes with the real provider in process (no server, no model,
// no event log): SESSIONS sandboxes (default 1,000) at once, each answering `bash: echo ready`, then closes them.
// Reports the wall time until every first answer, the whole machine's CPU over it (from /proc/stat: this process,
// the sandbox spawner, bwrap, slirp4netns, bash and the kernel's work creating and tearing down namespaces), and
// the bound this puts on item 3: its turns cannot finish faster than their sandboxes start, so durable events/s ≤
// (events per turn × sessions) / this wall time, with the machine doing nothing else. Sends no traffic anywhere.
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchSandboxes } from './lib/bench-sandboxes.js';

const SESSIONS = Number(process.env.SESSIONS ?? 1000);
/** Durable events of one item-3 turn (5 tool round trips), as item 3 counts them. */
const EVENTS_PER_TURN = Number(process.env.EVENTS_PER_TURN ?? 0);
const NETWORKING = (process.env.NETWORKING ?? 'unrestricted') as 'unrestricted' | 'limited';

/** Busy and total jiffies of the whole machine. */
function machineJiffies(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + cpu[4]!; // idle + iowait
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
const HZ = 100;

const sandboxes = await benchSandboxes(120_000);

const networking = NETWORKING === 'limited' ? ({ type: 'limited', allowed_hosts: ['example.com'] } as const) : ({ type: 'unrestricted' } as const);
const open = (name: string) => sandboxes.open(name, networking);
const firstCall = async (sandbox: ReturnType<typeof open>) => {
  const r = await sandbox.run('bash', { command: 'echo ready' }, 'toolu_bench', new AbortController().signal);
  if (r.isError) throw new Error(JSON.stringify(r.content));
};

try {
  // Warm-up: code paths, the page cache of bwrap, bash and slirp4netns.
  for (let i = 0; i < 5; i++) {
    const s = open(`warm_${i}`);
    await firstCall(s);
    await s.close();
  }
  const all = Array.from({ length: SESSIONS }, (_, i) => open(String(i)));
  const j0 = machineJiffies();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(all.map(firstCall));
  const wallMs = performance.now() - t0;
  const j1 = machineJiffies();
  const self = process.cpuUsage(self0);
  const machineCpuMs = ((j1.busy - j0.busy) * 1000) / HZ;
  const busyPct = (100 * (j1.busy - j0.busy)) / (j1.total - j0.total);
  await Promise.all(all.map((s) => s.close()));
  console.log(`| sandboxes (${NETWORKING}) | wall to every first answer | machine CPU per sandbox | machine busy | this process's CPU per sandbox |${EVENTS_PER_TURN ? ' item 3 bound (events/s) |' : ''}`);
  console.log(`|---:|---:|---:|---:|---:|${EVENTS_PER_TURN ? '---:|' : ''}`);
  console.log(
    `| ${SESSIONS} | ${(wallMs / 1000).toFixed(2)} s | ${(machineCpuMs / SESSIONS).toFixed(1)} ms | ${busyPct.toFixed(0)} % | ${((self.user + self.system) / 1000 / SESSIONS).toFixed(2)} ms |` +
      (EVENTS_PER_TURN ? ` ${Math.round((EVENTS_PER_TURN * SESSIONS * 1000) / wallMs)} |` : ''),
  );
  console.log(`(load average before ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${os.cpus().length} cores; ${process.getuid?.() === 0 ? 'as root (sandbox as uid 2000000000, cgroups)' : 'unprivileged'})`);
} finally {
  await sandboxes.close();
}
