// Item 3: throughput under concurrency. S sessions (10, 100, 1,000), each with its stream open,
// get their user.message at the same moment; each turn makes 5 tool round trips (bash, which starts
// the session's sandbox, then write and 3 reads, which the server serves without it) and ends. Wall time runs from the first send to the last closing idle. Run with the
// default sandbox (SQLite only, by default) and with AGENTD_SANDBOX=none; a level whose live
// sandboxes would not fit in memory is skipped with the estimate, not run into the OOM killer.
import { performance } from 'node:perf_hooks';
import { descendantsRssKb, memAvailableKb, type Agentd } from '../lib/agentd.js';
import type { Item } from '../lib/context.js';
import { metric, type Metric } from '../lib/metrics.js';
import { sandboxVariants } from '../lib/sandbox-variants.js';
import { createSession, pool, prepareTurn, runTurn, setup, type Setup } from '../lib/sessions.js';
import { percentile } from '../lib/stats.js';

const PLAN = 'bash,write,read*3';
const ROUND_TRIPS = 5;

async function once(server: Agentd, s: Setup, sessions: number, timeoutMs: number) {
  const ids = await pool(Array.from({ length: sessions }), 20, () => createSession(server, s));
  // Every stream is open before anything is sent; then all sends start together.
  const turns = ids.map((id) => prepareTurn(server, id, PLAN, timeoutMs));
  await Promise.all(turns.map((t) => t.ready));
  const cpu0 = server.cpuMs();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await Promise.all(turns.map((t) => t.go()));
  const wall = Math.max(...results.map((r) => r.doneAt)) - t0;
  const serverCpu = server.cpuMs() - cpu0;
  const self = process.cpuUsage(self0);
  const errors = results.flatMap((r) => r.errors);
  const events = results.reduce((n, r) => n + r.frames.length, 0);
  const toolResults = results.reduce((n, r) => n + r.frames.filter((f) => f.type === 'agent.tool_result').length, 0);
  if (toolResults !== sessions * ROUND_TRIPS && errors.length === 0) errors.push(`${toolResults} tool results, expected ${sessions * ROUND_TRIPS}`);
  const latencies = results.map((r) => r.doneAt - r.sentAt);
  return {
    wall,
    turnsPerSec: (sessions * 1000) / wall,
    roundTripsPerSec: (toolResults * 1000) / wall,
    eventsPerSec: (events * 1000) / wall,
    errors: errors.length,
    errorSamples: errors.slice(0, 5),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    serverCpuPct: (100 * serverCpu) / wall,
    serverCpuPerRoundTrip: serverCpu / Math.max(1, toolResults),
    benchCpuPct: (100 * (self.user + self.system)) / 1000 / wall,
    events,
  };
}

export const throughput: Item = async (ctx) => {
  const levels = ctx.opts.sessions ?? (ctx.opts.quick ? [10, 100] : [10, 100, 1000]);
  const metrics: Metric[] = [];
  const details: Record<string, unknown> = {};
  // The sandbox's cost does not depend on the dialect: on PostgreSQL only the harness itself
  // (AGENTD_SANDBOX=none) runs, unless --sandboxes asks for more. This keeps the suite short.
  const only = ctx.opts.sandboxes ?? (ctx.dialect === 'postgres' ? ['none'] : undefined);
  for (const variant of sandboxVariants(only)) {
    /** RSS of one live sandbox (all its processes), measured at the first level. */
    let sandboxKb: number | undefined;
    /** Its proportional share (shared library pages divided among the sandboxes mapping them). */
    let sandboxPssKb: number | undefined;
    for (const sessions of levels) {
      const at = `${sessions} sessions`;
      const key = `throughput.${variant.key}.${sessions}`;
      // Sandboxed levels start a sandbox per session: fewer repeats keep the run short.
      const runs = ctx.runs(sessions >= 1000 || (variant.key === 'default' && sessions >= 100) ? 2 : 3, 1);
      const big = sessions >= 1000;
      const needKb = sandboxKb === undefined ? 0 : (sessions + 10) * sandboxKb;
      if (needKb > memAvailableKb() * 0.6) {
        const note = `not run: ${sessions} live sandboxes need ~${(needKb / 2 ** 20).toFixed(0)} GiB (${(sandboxKb! / 1024).toFixed(0)} MiB each), ${(memAvailableKb() / 2 ** 20).toFixed(0)} GiB available`;
        ctx.log(`${variant.note}, ${at}: ${note}`);
        metrics.push(metric(3, `${key}.events`, `durable events/s, ${at}`, '/s', [NaN], { ...(big ? { target: { op: '>=', value: 2000 } } : {}), note: `${variant.note}; ${note}` }));
        continue;
      }
      // A fresh server per level: earlier levels' sessions (and sandboxes) do not weigh on later ones.
      const server = await ctx.start(`throughput-${variant.key}-${sessions}`, { env: variant.env });
      try {
        const s = await setup(server, ['bash', 'read', 'write']);
        // Warm-up turns (JIT, pools, the sandbox's programs in the page cache) are not measured.
        await pool(Array.from({ length: 10 }), 10, async () => runTurn(server, await createSession(server, s), PLAN, 60_000));
        const r: Array<Awaited<ReturnType<typeof once>>> = [];
        for (let run = 0; run < runs; run++) {
          const x = await once(server, s, sessions, 120_000 + sessions * 200);
          r.push(x);
          ctx.log(
            `${variant.note}, ${at}: ${x.turnsPerSec.toFixed(1)} turns/s, ${x.roundTripsPerSec.toFixed(0)} tool round trips/s, ${x.eventsPerSec.toFixed(0)} events/s, ` +
              `errors ${x.errors}, turn p50 ${x.p50.toFixed(0)} ms p99 ${x.p99.toFixed(0)} ms, server CPU ${x.serverCpuPct.toFixed(0)}% (${x.serverCpuPerRoundTrip.toFixed(2)} ms per round trip), bench CPU ${x.benchCpuPct.toFixed(0)}%` +
              (x.errorSamples.length ? `; e.g. ${x.errorSamples.join(' | ')}` : ''),
          );
        }
        if (sandboxKb === undefined) {
          const tree = descendantsRssKb(server.pid);
          // Every session of this level and the warm-up still has its sandbox (idle timeout: minutes).
          if (tree.processes > 0) sandboxKb = tree.kb / (10 + sessions * runs);
          if (tree.processes > 0) sandboxPssKb = tree.pssKb / (10 + sessions * runs);
          if (tree.processes > 0) ctx.log(`${variant.note}: ${tree.processes} sandbox processes hold ${(tree.kb / 1024).toFixed(0)} MiB RSS`);
        }
        details[`${variant.key}.${sessions}`] = r;
        const note = variant.note;
        metrics.push(
          metric(3, `${key}.turns`, `turns/s (5 tool round trips each), ${at}`, '/s', r.map((x) => x.turnsPerSec), { note }),
          metric(3, `${key}.events`, `durable events/s, ${at}`, '/s', r.map((x) => x.eventsPerSec), { ...(big ? { target: { op: '>=', value: 2000 } } : {}), note }),
          metric(3, `${key}.errors`, `errors, ${at}`, 'count', r.map((x) => x.errors), { target: { op: '==', value: 0 }, note }),
          metric(3, `${key}.p99`, `p99 turn latency, ${at}`, 'ms', r.map((x) => x.p99), { note }),
          metric(3, `${key}.cpu`, `  (server CPU while running, ${at})`, '%', r.map((x) => x.serverCpuPct), { note }),
          metric(3, `${key}.cpu_rt`, `  (server CPU ms per tool round trip, ${at})`, 'ms', r.map((x) => x.serverCpuPerRoundTrip), { note }),
        );
      } finally {
        await server.stop();
      }
    }
    if (sandboxKb !== undefined) {
      metrics.push(metric(3, `throughput.${variant.key}.sandbox_rss`, '  (RSS per live sandbox, all its processes)', 'MB', [sandboxKb / 1024], { note: variant.note }));
      metrics.push(metric(3, `throughput.${variant.key}.sandbox_pss`, '  (PSS per live sandbox, all its processes)', 'MB', [sandboxPssKb! / 1024], { note: variant.note }));
    }
  }
  return { metrics, details };
};
