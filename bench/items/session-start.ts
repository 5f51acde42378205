// Item 4: session start. (a) `POST /v1/sessions` latency in a cloud environment, one request at a
// time. (b) A new session's first tool call in a cold sandbox: from writing the first user.message
// to receiving the first agent.tool_result (the model answers at once with `bash: echo ready`);
// the part from the agent.tool_use frame to the result is the tool itself.
import { descendantsRssKb, type Agentd } from '../lib/agentd.js';
import type { Item, ItemContext } from '../lib/context.js';
import { metric, type Metric } from '../lib/metrics.js';
import { createSession, prepareTurn, setup } from '../lib/sessions.js';
import { sandboxVariants } from '../lib/sandbox-variants.js';
import { percentile } from '../lib/stats.js';

async function createLatency(server: Agentd, count: number) {
  const s = await setup(server);
  for (let i = 0; i < 20; i++) await createSession(server, s); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = await server.http.ok('POST', '/v1/sessions', { agent: s.agentId, environment_id: s.environmentId });
    samples.push(r.doneAt - r.sentAt);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function coldTool(server: Agentd, count: number) {
  const s = await setup(server, ['bash', 'read', 'write']);
  const first = async () => {
    const id = await createSession(server, s);
    const turn = prepareTurn(server, id, 'bash', 30_000);
    const r = await turn.go();
    if (r.errors.length) throw new Error(`session ${id}: ${r.errors.join('; ')}`);
    const use = r.frames.find((f) => f.type === 'agent.tool_use');
    const result = r.frames.find((f) => f.type === 'agent.tool_result');
    if (!use || !result) throw new Error(`session ${id}: no tool result`);
    return { total: result.at - r.sentAt, tool: result.at - use.at };
  };
  for (let i = 0; i < 3; i++) await first(); // warm-up: code paths, not this session's sandbox
  const totals: number[] = [];
  const tools: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = await first();
    totals.push(r.total);
    tools.push(r.tool);
  }
  // Each of those sessions still has its sandbox (the idle timeout is minutes): what does one hold?
  const tree = descendantsRssKb(server.pid);
  const perSandboxMb = tree.processes > 0 ? tree.kb / 1024 / (count + 3) : NaN;
  return { p50: percentile(totals, 50), p99: percentile(totals, 99), toolP50: percentile(tools, 50), perSandboxMb };
}

export const sessionStart: Item = async (ctx: ItemContext) => {
  const runs = ctx.runs(3, 1);
  const creates = ctx.opts.quick ? 100 : 200;
  const colds = ctx.opts.quick ? 8 : 15;
  // The default sandbox, and AGENTD_SANDBOX=none beside it once the server has that knob.
  const variants = sandboxVariants(ctx.opts.sandboxes);
  const metrics: Metric[] = [];
  const c50: number[] = [];
  const c99: number[] = [];
  const byVariant = new Map(variants.map((v) => [v.key, { p50: [] as number[], p99: [] as number[], tool: [] as number[], rss: [] as number[] }]));
  for (let run = 0; run < runs; run++) {
    for (const v of variants) {
      const server = await ctx.start(`start-${v.key}`, { env: v.env });
      try {
        if (v.key === 'default') {
          const c = await createLatency(server, creates);
          c50.push(c.p50);
          c99.push(c.p99);
          ctx.log(`sessions.create p50 ${c.p50.toFixed(2)} ms, p99 ${c.p99.toFixed(2)} ms`);
        }
        const t = await coldTool(server, colds);
        const acc = byVariant.get(v.key)!;
        acc.p50.push(t.p50);
        acc.p99.push(t.p99);
        acc.tool.push(t.toolP50);
        acc.rss.push(t.perSandboxMb);
        ctx.log(
          `${v.note}: first user.message → first tool result p50 ${t.p50.toFixed(1)} ms, p99 ${t.p99.toFixed(1)} ms (tool alone p50 ${t.toolP50.toFixed(1)} ms)` +
            (Number.isFinite(t.perSandboxMb) ? `; ${t.perSandboxMb.toFixed(1)} MiB RSS per live sandbox` : ''),
        );
      } finally {
        await server.stop();
      }
    }
  }
  metrics.push(
    metric(4, 'start.create.p50', 'sessions.create p50 (cloud environment)', 'ms', c50, { target: { op: '<=', value: 5 } }),
    metric(4, 'start.create.p99', 'sessions.create p99', 'ms', c99),
  );
  for (const v of variants) {
    const acc = byVariant.get(v.key)!;
    metrics.push(
      metric(4, `start.cold.${v.key}.p50`, 'first user.message → first tool result, cold sandbox, p50', 'ms', acc.p50, {
        target: { op: '<=', value: 100 },
        note: v.note,
      }),
      metric(4, `start.cold.${v.key}.p99`, 'first user.message → first tool result, p99', 'ms', acc.p99, { note: v.note }),
      metric(4, `start.cold.${v.key}.tool`, '  (agent.tool_use → agent.tool_result p50)', 'ms', acc.tool, { note: v.note }),
    );
    if (acc.rss.some(Number.isFinite)) {
      metrics.push(metric(4, `start.cold.${v.key}.rss`, '  (RSS per live sandbox: its processes)', 'MB', acc.rss, { note: v.note }));
    }
  }
  return { metrics };
};
