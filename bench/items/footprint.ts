// Item 5: footprint. (a) Server RSS with many idle sessions, created through the API, each with one
// finished turn of history (user.message, status_running, a model request span, agent.message,
// status_idle: 6 events). Per idle session = RSS growth from the warm-up (200 sessions) to the end,
// divided by the sessions added; the growth over each of four equal segments is reported beside it
// (RSS moves in steps as V8 grows its heap, so single segments scatter). The turn calls no tool, so
// no sandbox is started: an idle session's sandbox is stopped after AGENTD_SANDBOX_IDLE_MS anyway,
// and a live sandbox's own RSS is reported by items 3 and 4. (b) Server start: from spawning
// `agentd serve` to the first 200 of GET /health, on fresh data and on a restart, run as users run it:
// the installed bin (`dist/bundle/agentd.js`, the bundle's launcher, what `npm start` execs).
//
// RSS counts garbage V8 has not collected yet and heap it has not given back, so the server also
// runs with --trace-gc: the live heap after full (mark-compact) GCs, from the first one after the
// warm-up to the last, shows how much of the growth the sessions really retain.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundledBin } from '../lib/agentd.js';
import type { Item, ItemContext } from '../lib/context.js';
import { metric } from '../lib/metrics.js';
import { createSession, pool, runTurn, setup } from '../lib/sessions.js';

async function startTimes(ctx: ItemContext, runs: number) {
  const fresh: number[] = [];
  const restart: number[] = [];
  for (let i = 0; i < runs; i++) {
    const first = await ctx.start('health', { bin: bundledBin() });
    fresh.push(first.startMs);
    await first.stop({ keepData: true });
    const again = await ctx.start('health', { reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl }, bin: bundledBin() });
    restart.push(again.startMs);
    await again.stop();
    await first.discard();
  }
  return { fresh, restart };
}

/** RSS once it stops moving (GC settling), sampled every 500 ms for up to `ms`. */
async function settledRss(read: () => number, ms: number): Promise<number> {
  let last = read();
  for (let waited = 0; waited < ms; waited += 500) {
    await sleep(500);
    const now = read();
    if (Math.abs(now - last) < 256) return now;
    last = now;
  }
  return last;
}

export const footprint: Item = async (ctx) => {
  const target = ctx.opts.quick ? 2_000 : 10_000;
  const warm = 200;
  const segments = 4;
  // Bounded: stop adding sessions past this, and report the count reached.
  const creationBudgetMs = ctx.opts.quick ? 60_000 : 300_000;
  const server = await ctx.start('footprint', { nodeArgs: ['--trace-gc'] });
  /**
   * Live heap (MiB) after each mark-compact GC the server logged, with the sessions made by then,
   * by isolate (the server's worker threads log their own small heaps; the largest is the server's).
   */
  const gcsByIsolate = new Map<string, Array<{ heapMiB: number; sessions: number }>>();
  const serverGcs = () => [...gcsByIsolate.values()].sort((a, b) => b[b.length - 1]!.heapMiB - a[a.length - 1]!.heapMiB)[0] ?? [];
  let partial = '';
  server.watchOutput((text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const m = /\[\d+:(0x[0-9a-f]+)\].*Mark-Compact.*?([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/.exec(line);
      if (!m) continue;
      const gcs = gcsByIsolate.get(m[1]!) ?? [];
      gcs.push({ heapMiB: Number(m[4]), sessions: created });
      gcsByIsolate.set(m[1]!, gcs);
    }
  });
  let errors = 0;
  let created = 0;
  const slopes: number[] = [];
  let base = NaN;
  let full = NaN;
  let rate = NaN;
  try {
    const s = await setup(server);
    const make = async () => {
      const id = await createSession(server, s);
      const r = await runTurn(server, id, '', 60_000);
      if (r.errors.length) errors++;
      created++;
    };
    await pool(Array.from({ length: warm }), 32, make);
    base = await settledRss(server.rssKb, 5_000);
    const t0 = performance.now();
    const per = Math.round((target - warm) / segments);
    let prev = { rss: base, count: created };
    for (let seg = 0; seg < segments; seg++) {
      if (performance.now() - t0 > creationBudgetMs) {
        ctx.log(`creation budget of ${creationBudgetMs / 1000} s spent at ${created} sessions; stopping there`);
        break;
      }
      await pool(Array.from({ length: per }), 32, make);
      const rss = await settledRss(server.rssKb, 5_000);
      slopes.push((rss - prev.rss) / (created - prev.count));
      ctx.log(`${created} sessions: RSS ${(rss / 1024).toFixed(0)} MiB (+${((rss - prev.rss) / (created - prev.count)).toFixed(1)} KiB per session over the last ${created - prev.count})`);
      prev = { rss, count: created };
    }
    rate = ((created - warm) * 1000) / (performance.now() - t0);
    full = await settledRss(server.rssKb, 10_000);
    ctx.log(
      `RSS ${(base / 1024).toFixed(0)} MiB after ${warm} sessions → ${(full / 1024).toFixed(0)} MiB after ${created} ` +
        `(${((full - base) / (created - warm)).toFixed(1)} KiB per idle session overall); live heap after full GCs ` +
        `${serverGcs().map((g) => `${g.heapMiB} MiB at ${g.sessions}`).join(', ') || 'none logged'}; ` +
        `${rate.toFixed(0)} sessions/s created with one turn each`,
    );
  } finally {
    await server.stop();
  }
  // Between the first full GC after the warm-up and the last one (RSS also holds garbage and headroom).
  const fullGcs = serverGcs();
  const gcs = fullGcs.filter((g) => g.sessions >= warm);
  const first = gcs[0];
  const last = gcs[gcs.length - 1];
  const heapPerSession = first && last && last.sessions > first.sessions ? ((last.heapMiB - first.heapMiB) * 1024) / (last.sessions - first.sessions) : NaN;
  const starts = await startTimes(ctx, ctx.runs(5, 2));
  ctx.log(`start → /health 200: fresh ${starts.fresh.map((x) => x.toFixed(0)).join(', ')} ms; restart ${starts.restart.map((x) => x.toFixed(0)).join(', ')} ms`);
  const n = created.toLocaleString('en-US');
  return {
    metrics: [
      metric(5, 'footprint.per_session', `RSS per idle session (growth from ${warm} to ${n} sessions, 6 events each)`, 'KB', [(full - base) / (created - warm)], {
        target: { op: '<=', value: 20 },
      }),
      metric(5, 'footprint.per_session_segments', `  (the same over ${segments} equal segments: median, min–max)`, 'KB', slopes),
      metric(5, 'footprint.heap_per_session', '  (live JS heap after full GC, growth per session)', 'KB', [heapPerSession]),
      metric(5, 'footprint.rss_total', `server RSS with ${n} idle sessions`, 'MB', [full / 1024]),
      metric(5, 'footprint.errors', '  (errors while creating them)', 'count', [errors], { target: { op: '==', value: 0 } }),
      metric(5, 'footprint.start_fresh', 'server start → /health 200, fresh data', 'ms', starts.fresh, { target: { op: '<=', value: 300 } }),
      metric(5, 'footprint.start_restart', 'server start → /health 200, existing data', 'ms', starts.restart, { target: { op: '<=', value: 300 } }),
    ],
    details: { created, rate, baseKb: base, fullKb: full, slopes, fullGcs },
  };
};
