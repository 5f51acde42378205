// Item 7: the Claude gateway's overhead. The same Messages API calls go to the fake upstream directly and through
// agentd (`/v1/messages`, the fake as its provider), interleaved in the same run: the added latency of a
// non-streamed call, and the added time to first token of streamed calls at 100 concurrent streams.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BENCH_API_KEY, BENCH_MODEL_KEY } from '../lib/agentd.js';
import type { Item } from '../lib/context.js';
import { metric } from '../lib/metrics.js';
import { percentile } from '../lib/stats.js';
import { startFakeAnthropic } from '../../test/helpers/fake-anthropic/index.js';

const MODEL = 'claude-sonnet-4-6';
const STREAMS = 100;
/** A reply of ~40 text deltas, 2 ms apart: streams overlap for ~100 ms, as real ones do for seconds. */
const STREAM_TEXT = Array.from({ length: 40 }, (_, i) => `tok${i} `).join('');

interface Target {
  url: string;
  headers: Record<string, string>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** POSTs a Messages request; resolves with ms to the first content delta (streams) and ms to the end. */
function call(target: Target, stream: boolean): Promise<{ firstTokenMs: number; totalMs: number }> {
  const body = JSON.stringify({ model: MODEL, max_tokens: 256, stream, messages: [{ role: 'user', content: 'bench' }] });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = -1;
    const req = http.request(
      `${target.url}/v1/messages`,
      { method: 'POST', agent, headers: { ...target.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`${target.url}: HTTP ${res.statusCode}`));
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (first < 0 && (!stream || chunk.includes('content_block_delta'))) first = performance.now() - t0;
        });
        res.on('end', () => resolve({ firstTokenMs: first, totalMs: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const gateway: Item = async (ctx) => {
  const fake = await startFakeAnthropic({ recordRequests: false, validate: false, keepAliveTimeoutMs: 120_000, backlog: 4096 });
  fake.setResponder((req) =>
    req.body.stream === true
      ? { content: [{ type: 'text', text: STREAM_TEXT }], chunkDelayMs: 2, usage: { input_tokens: 10, output_tokens: 40 } }
      : { content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 10, output_tokens: 1 } },
  );
  const server = await ctx.start('gateway', { env: { ANTHROPIC_BASE_URL: fake.url } });
  const direct: Target = { url: fake.url, headers: { 'x-api-key': BENCH_MODEL_KEY, 'anthropic-version': '2023-06-01' } };
  const viaAgentd: Target = { url: server.url, headers: { 'x-api-key': BENCH_API_KEY, 'anthropic-version': '2023-06-01' } };
  const calls = ctx.opts.quick ? 300 : 1000;
  const rounds = ctx.opts.quick ? 3 : 10;
  const runs = ctx.runs(3, 2);
  const out = { p50: [] as number[], p99: [] as number[], ttftP50: [] as number[], ttftP99: [] as number[], directP50: [] as number[], directTtftP50: [] as number[] };
  try {
    // Warm both paths (connections, JIT, the ledger's first writes).
    for (let i = 0; i < 50; i++) await Promise.all([call(direct, false), call(viaAgentd, false), call(direct, true), call(viaAgentd, true)]);
    for (let run = 0; run < runs; run++) {
      const d: number[] = [];
      const g: number[] = [];
      for (let i = 0; i < calls; i++) {
        d.push((await call(direct, false)).totalMs);
        g.push((await call(viaAgentd, false)).totalMs);
      }
      const dt: number[] = [];
      const gt: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // 100 streams at once, one round direct and one through agentd, alternating.
        dt.push(...(await Promise.all(Array.from({ length: STREAMS }, () => call(direct, true)))).map((x) => x.firstTokenMs));
        gt.push(...(await Promise.all(Array.from({ length: STREAMS }, () => call(viaAgentd, true)))).map((x) => x.firstTokenMs));
      }
      out.p50.push(percentile(g, 50) - percentile(d, 50));
      out.p99.push(percentile(g, 99) - percentile(d, 99));
      out.ttftP50.push(percentile(gt, 50) - percentile(dt, 50));
      out.ttftP99.push(percentile(gt, 99) - percentile(dt, 99));
      out.directP50.push(percentile(d, 50));
      out.directTtftP50.push(percentile(dt, 50));
      ctx.log(
        `run ${run + 1}: non-streamed p50 ${percentile(d, 50).toFixed(2)} → ${percentile(g, 50).toFixed(2)} ms, ` +
          `TTFT at ${STREAMS} streams p50 ${percentile(dt, 50).toFixed(2)} → ${percentile(gt, 50).toFixed(2)} ms, ` +
          `p99 ${percentile(dt, 99).toFixed(2)} → ${percentile(gt, 99).toFixed(2)} ms`,
      );
    }
  } finally {
    await server.stop();
    await fake.close();
  }
  return {
    metrics: [
      metric(7, 'gateway-call-p50', 'gateway: added latency per non-streamed call, p50', 'ms', out.p50, { target: { op: '<=', value: 1 } }),
      metric(7, 'gateway-call-p99', 'gateway: added latency per non-streamed call, p99', 'ms', out.p99, { target: { op: '<=', value: 3 } }),
      metric(7, 'gateway-ttft-p50', `gateway: added time to first token, ${STREAMS} concurrent streams, p50`, 'ms', out.ttftP50, { target: { op: '<=', value: 1 } }),
      metric(7, 'gateway-ttft-p99', `gateway: added time to first token, ${STREAMS} concurrent streams, p99`, 'ms', out.ttftP99, { target: { op: '<=', value: 3 } }),
    ],
    details: { directCallP50Ms: out.directP50, directTtftP50Ms: out.directTtftP50, calls, streamRounds: rounds },
  };
};
