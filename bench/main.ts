// `npm run bench`: runs the benchmark items against real `agentd serve` processes on loopback
// (SQLite and PostgreSQL), with the zero-latency fake model in this process; prints one table
// and writes bench/results/<time>.json (and latest.json).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { liveServers, setAgentdBin, startAgentd } from './lib/agentd.js';
import type { Item, ItemContext } from './lib/context.js';
import { assertLoopback, postgresVersion } from './lib/databases.js';
import { startBenchModel } from './lib/fake-model.js';
import { busyPct, cpuSnapshot, machine, othersPct, waitQuiet } from './lib/machine.js';
import type { Metric } from './lib/metrics.js';
import { parseOptions, type Dialect, type ItemName } from './lib/options.js';
import { summarizeProfiles } from './lib/profile.js';
import { joinRows, renderTable, verdict } from './lib/table.js';
import { summarize } from './lib/stats.js';
import { overhead } from './items/overhead.js';
import { delivery } from './items/delivery.js';
import { throughput } from './items/throughput.js';
import { sessionStart } from './items/session-start.js';
import { footprint } from './items/footprint.js';
import { gateway } from './items/gateway.js';

const ITEM_FNS: Record<ItemName, Item> = { overhead, delivery, throughput, start: sessionStart, footprint, gateway };
const RESULTS_DIR = path.resolve('bench/results');

const opts = parseOptions(process.argv.slice(2));
const t0 = performance.now();
const log = (msg: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);

async function killAll(): Promise<void> {
  await Promise.all([...liveServers].map((s) => s.stop().catch(() => {})));
}

// The run stops by itself: past the budget, stop every server and exit non-zero.
const watchdog = setTimeout(() => {
  log(`budget of ${opts.budgetMs / 60_000} min exceeded; stopping`);
  void killAll().finally(() => process.exit(1));
}, opts.budgetMs);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping servers`);
    void killAll().finally(() => process.exit(130));
  });
}

/**
 * Runs the servers from a private copy of dist/, so that a rebuild by someone else during the run
 * cannot mix two builds into one set of figures. It sits inside the project (git-ignored) so that
 * node_modules and package.json ("type": "module") resolve exactly as for dist/.
 */
function snapshotBuild(): string {
  if (!fs.existsSync('dist/cli/main.js')) throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm run bench does)');
  const dir = path.join(RESULTS_DIR, 'build');
  fs.rmSync(dir, { recursive: true, force: true });
  // Timestamps kept: the bundle's code cache counts only when it is not older than the bundle.
  fs.cpSync('dist', path.join(dir, 'dist'), { recursive: true, preserveTimestamps: true });
  return path.join(dir, 'dist/cli/main.js');
}

/** Which code was measured (read-only git queries). */
function revision(): { commit: string; uncommittedFiles: number } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'cli'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
    return { commit, uncommittedFiles: dirty };
  } catch {
    return { commit: 'unknown', uncommittedFiles: -1 };
  }
}

async function main(): Promise<number> {
  setAgentdBin(snapshotBuild());
  const info = { ...machine(), revision: revision() };
  if (opts.dialects.includes('postgres')) {
    assertLoopback(opts.postgresUrl);
    try {
      info.postgres = await postgresVersion(opts.postgresUrl);
    } catch (err) {
      throw new Error(`PostgreSQL at ${opts.postgresUrl} is not reachable (${(err as Error).message}); pass --dialects sqlite to skip it`);
    }
  }
  log(
    `${info.nproc} × ${info.cpu}, ${info.memoryGiB} GiB, Node ${info.node}${info.postgres ? `, PostgreSQL ${info.postgres}` : ''}; ` +
      `sandbox: ${info.sandbox.wiring}; code: ${info.revision.commit} + ${info.revision.uncommittedFiles} uncommitted files in src/cli`,
  );
  const model = await startBenchModel();
  const profDir = opts.cpuProf ? path.join(RESULTS_DIR, 'prof') : undefined;
  const results: Array<{
    item: ItemName;
    dialect: Dialect;
    metrics: Metric[];
    details?: Record<string, unknown>;
    error?: string;
    seconds: number;
    /** Whole-machine CPU busy % during the item, and the share of it not ours (bench + its servers). */
    machineBusyPct: number;
    othersBusyPct: number;
    loadavg: number[];
  }> = [];
  let failed = false;
  try {
    for (const item of opts.items) {
      for (const dialect of opts.dialects) {
        const started = performance.now();
        const ctx: ItemContext = {
          dialect,
          opts,
          model,
          runs: (full, quick) => opts.runs ?? (opts.quick ? quick : full),
          start: (label, o = {}) =>
            startAgentd({
              dialect,
              postgresUrl: opts.postgresUrl,
              modelUrl: o.engine === false ? undefined : model.url,
              env: { ...opts.serverEnv, ...o.env },
              nodeArgs: o.nodeArgs ?? [],
              cpuProfDir: profDir,
              label: `${label}-${dialect}`,
              ...(o.reuse ? { reuse: o.reuse } : {}),
              ...(o.bin ? { bin: o.bin } : {}),
            }),
          log: (m) => log(`${item}/${dialect}: ${m}`),
        };
        if (opts.waitQuietMs > 0) await waitQuiet(30, opts.waitQuietMs, log);
        log(`${item}/${dialect}: start (load average ${os.loadavg()[0]!.toFixed(2)})`);
        const cpu0 = cpuSnapshot();
        let outcome: { metrics: Metric[]; details?: Record<string, unknown>; error?: string };
        try {
          const r = await ITEM_FNS[item](ctx);
          outcome = { metrics: r.metrics, ...(r.details ? { details: r.details } : {}) };
        } catch (err) {
          failed = true;
          log(`${item}/${dialect}: FAILED: ${(err as Error).stack ?? String(err)}`);
          outcome = { metrics: [], error: String((err as Error).message ?? err) };
          await killAll();
        }
        const cpu1 = cpuSnapshot();
        const machineBusyPct = busyPct(cpu0, cpu1);
        const othersBusyPct = othersPct(cpu0, cpu1);
        results.push({ item, dialect, ...outcome, seconds: (performance.now() - started) / 1000, machineBusyPct, othersBusyPct, loadavg: os.loadavg() });
        log(
          `${item}/${dialect}: done in ${((performance.now() - started) / 1000).toFixed(1)} s; machine ${machineBusyPct.toFixed(0)}% busy, ` +
            `of which others (not the bench, its servers or PostgreSQL) ${othersBusyPct.toFixed(0)}%`,
        );
      }
    }
  } finally {
    await killAll();
    await model.close();
  }

  const rows = joinRows(results);
  const table = renderTable(rows, opts.dialects);
  const totalSeconds = (performance.now() - t0) / 1000;
  process.stdout.write(`\n${table}\n\n`);
  for (const r of results.filter((x) => x.error)) process.stdout.write(`${r.item}/${r.dialect} failed: ${r.error}\n`);
  process.stdout.write(`medians of repeated runs, (min–max) over the runs; ${opts.quick ? 'QUICK run (smaller sizes), ' : ''}total ${totalSeconds.toFixed(0)} s\n`);
  process.stdout.write(
    `CPU of other processes (not the bench, its servers or PostgreSQL) during each item, % of the machine: ${results.map((r) => `${r.item}/${r.dialect} ${r.othersBusyPct.toFixed(0)}%`).join(', ')}\n`,
  );

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const profiles = profDir ? summarizeProfiles(profDir) : undefined;
  const out = {
    when: new Date().toISOString(),
    options: { ...opts, postgresUrl: opts.postgresUrl.replace(/\/\/[^@]*@/, '//***@') },
    machine: info,
    totalSeconds,
    table,
    figures: rows.map((r) => ({
      item: r.item,
      key: r.key,
      label: r.label,
      unit: r.unit,
      target: r.target,
      ...Object.fromEntries(
        opts.dialects.map((d) => {
          const m = r.byDialect[d];
          return [d, m ? { ...summarize(m.runs), verdict: verdict(r, d) || undefined } : undefined];
        }),
      ),
    })),
    items: results,
    ...(profiles ? { profiles } : {}),
  };
  const stamp = out.when.replace(/[:.]/g, '-');
  const file = path.join(RESULTS_DIR, `bench-${stamp}${opts.quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify(out, null, 2));
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(out, null, 2));
  process.stdout.write(`results: ${path.relative(process.cwd(), file)}${profDir ? `; CPU profiles: ${path.relative(process.cwd(), profDir)}` : ''}\n`);
  if (profiles) {
    for (const p of profiles) {
      process.stdout.write(`\n${p.file}: top self time (${p.totalMs.toFixed(0)} ms sampled)\n`);
      for (const f of p.top.slice(0, 12)) process.stdout.write(`  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.fn}  ${f.where}\n`);
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exit(code);
  },
  async (err: unknown) => {
    log(`fatal: ${(err as Error).stack ?? String(err)}`);
    await killAll();
    process.exit(1);
  },
);
