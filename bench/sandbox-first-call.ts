// `npx tsx bench/sandbox-first-call.ts`: what a session's first built-in tool call costs in a cold
// bubblewrap sandbox, per networking mode, in process (the real provider, no server): from the
// call to its result for `bash: echo ready`, which includes starting bwrap and the shell and, for
// `unrestricted`, slirp4netns and the namespace's routes (for `limited`, the one-shot relay helper);
// then a second (warm) call, and the memory of the live sandbox: RSS and PSS summed over all its
// processes (bwrap, the shell, slirp4netns). Prints one table; see docs/benchmarks.md ("Sandbox
// first call"). Then LIVE (default 100; 0 skips it) `unrestricted` sandboxes alive at once, and their
// RSS and PSS per sandbox: PSS shares the pages they map alike among them. Sends no traffic anywhere.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchSandboxes } from './lib/bench-sandboxes.js';
import { descendants, descendantsRssKb } from './lib/agentd.js';

const RUNS = Number(process.env.RUNS ?? 10);
const LIVE = Number(process.env.LIVE ?? 100);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);

const sandboxes = await benchSandboxes();

const networkings = [{ type: 'unrestricted' }, { type: 'limited', allowed_hosts: ['example.com'] }] as const;
const rows: string[] = [];
try {
  for (const networking of networkings) {
    const cold: number[] = [];
    const warm: number[] = [];
    const rss: number[] = [];
    const pss: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const sandbox = sandboxes.open(`${networking.type}_${run}`, networking);
      const before = new Set(descendants(process.pid)); // tsx's own helper
      const call = async () => {
        const t0 = performance.now();
        const r = await sandbox.run('bash', { command: 'echo ready' }, 'toolu_bench', new AbortController().signal);
        if (r.isError) throw new Error(JSON.stringify(r.content));
        return performance.now() - t0;
      };
      const first = await call();
      const second = await call();
      // The only sandbox alive: every process below this one that was not there before is it.
      const memory = descendantsRssKb(process.pid, before);
      await sandbox.close();
      if (run === 0) continue; // warm-up: code paths, page cache
      cold.push(first);
      warm.push(second);
      rss.push(memory.kb / 1024);
      pss.push(memory.pssKb / 1024);
    }
    const mib = (xs: number[]) => `${median(xs).toFixed(1)} MiB`;
    rows.push(`| \`${networking.type}\` | ${median(cold).toFixed(0)} ms | ${max(cold).toFixed(0)} ms | ${median(warm).toFixed(1)} ms | ${mib(rss)} | ${mib(pss)} |`);
  }
  console.log('| networking | first call (cold sandbox), median | max | second call, median | RSS per live sandbox | PSS per live sandbox |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  console.log(`(${RUNS} runs each after one warm-up; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${os.cpus().length} cores; agentd ${process.getuid?.() === 0 ? 'as root (sandbox as uid 2000000000, cgroups)' : 'unprivileged'})`);
  if (LIVE > 0) {
    const before = new Set(descendants(process.pid));
    const live = [];
    try {
      for (let i = 0; i < LIVE; i++) {
        const sandbox = sandboxes.open(`live_${i}`, { type: 'unrestricted' });
        live.push(sandbox);
        const r = await sandbox.run('bash', { command: 'echo ready' }, 'toolu_bench', new AbortController().signal);
        if (r.isError) throw new Error(JSON.stringify(r.content));
      }
      const memory = descendantsRssKb(process.pid, before);
      const each = (kb: number) => `${(kb / LIVE / 1024).toFixed(2)} MiB`;
      console.log(`${LIVE} live \`unrestricted\` sandboxes at once (${memory.processes} processes): RSS ${each(memory.kb)}, PSS ${each(memory.pssKb)} per sandbox`);
    } finally {
      for (const sandbox of live) await sandbox.close();
    }
  }
} finally {
  await sandboxes.close();
}
