// Item 7: the Claude gateway's overhead. The same Messages API calls go to the fake upstream directly and through
// agentd (`/v1/messages`, the fake as its provider), in the same run: the added latency of a non-streamed call
// (calls interleaved one by one), and the added time to first token of streamed calls with 100 streams in flight
// (alternating phases). The fake, the clients and the measurement share this process; agentd runs in its own.
// A bare Node.js pass-through proxy (bench/lib/bare-proxy.mjs, its own process) is measured the same way in the same
// runs: the floor any Node.js relay adds on this machine, against which agentd's figures can be read.
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BENCH_API_KEY, BENCH_MODEL_KEY, readCpuMs } from '../lib/agentd.js';
import { startBareServer } from '../lib/bare-server.js';
import type { Item } from '../lib/context.js';
import { metric } from '../lib/metrics.js';
import { percentile } from '../lib/stats.js';
import { startFakeAnthropic } from '../../test/helpers/fake-anthropic/index.js';

const MODEL = 'claude-sonnet-4-6';
const STREAMS = 100;
/** A reply of ~40 text deltas 20 ms apart (about Claude's own pace): each stream lasts ~1 s. */
const STREAM_TEXT = Array.from({ length: 40 }, (_, i) => `tok${i} `).join('');
const CHUNK_DELAY_MS = 20;
const STREAM_MS = 45 * CHUNK_DELAY_MS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * 100 streams in flight at all times for `durationMs` (a closed loop of 100 clients, started staggered over one
 * stream's length so that they do not all open at once): every stream's time to first token.
 */
async function ttftPhase(target: Target, durationMs: number): Promise<number[]> {
  const samples: number[] = [];
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: STREAMS }, async (_, worker) => {
      await sleep((worker * STREAM_MS) / STREAMS);
      while (performance.now() < end) samples.push((await call(target, true)).firstTokenMs);
    }),
  );
  return samples;
}

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

/** Starts the bare proxy in front of `upstreamUrl`; resolves once it listens. */
async function startBareProxy(upstreamUrl: string): Promise<{ target: Target; child: ChildProcess }> {
  const { url, child } = await startBareServer('bare-proxy.mjs', { UPSTREAM: upstreamUrl, MODEL_KEY: BENCH_MODEL_KEY });
  return { target: { url, headers: { 'anthropic-version': '2023-06-01' } }, child };
}

export const gateway: Item = async (ctx) => {
  const fake = await startFakeAnthropic({ recordRequests: false, validate: false, keepAliveTimeoutMs: 120_000, backlog: 4096 });
  fake.setResponder((req) =>
    req.body.stream === true
      ? { content: [{ type: 'text', text: STREAM_TEXT }], chunkDelayMs: CHUNK_DELAY_MS, usage: { input_tokens: 10, output_tokens: 40 } }
      : { content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 10, output_tokens: 1 } },
  );
  const server = await ctx.start('gateway', { env: { ANTHROPIC_BASE_URL: fake.url } });
  const bare = await startBareProxy(fake.url);
  const bareCpuMs = () => readCpuMs(bare.child.pid!);
  const direct: Target = { url: fake.url, headers: { 'x-api-key': BENCH_MODEL_KEY, 'anthropic-version': '2023-06-01' } };
  const viaAgentd: Target = { url: server.url, headers: { 'x-api-key': BENCH_API_KEY, 'anthropic-version': '2023-06-01' } };
  const calls = ctx.opts.quick ? 300 : 1000;
  const phaseMs = ctx.opts.quick ? 4_000 : 8_000;
  const runs = ctx.runs(3, 2);
  const out = {
    p50: [] as number[],
    p99: [] as number[],
    ttftP50: [] as number[],
    ttftP99: [] as number[],
    directP50: [] as number[],
    directTtftP50: [] as number[],
    cpuPerCall: [] as number[],
    cpuPerStream: [] as number[],
    bareP99: [] as number[],
    bareTtftP99: [] as number[],
    bareCpuPerStream: [] as number[],
  };
  try {
    // Warm both paths (connections, JIT, the ledger's first writes).
    for (let i = 0; i < 50; i++) await Promise.all([call(direct, false), call(viaAgentd, false), call(bare.target, false)]);
    await Promise.all([ttftPhase(direct, 1_000), ttftPhase(viaAgentd, 1_000), ttftPhase(bare.target, 1_000)]);
    for (let run = 0; run < runs; run++) {
      const d: number[] = [];
      const g: number[] = [];
      const b: number[] = [];
      const cpu0 = server.cpuMs();
      for (let i = 0; i < calls; i++) {
        d.push((await call(direct, false)).totalMs);
        g.push((await call(viaAgentd, false)).totalMs);
      }
      // agentd's own CPU per call: a figure the machine's other load barely moves (wall times above do move).
      out.cpuPerCall.push((server.cpuMs() - cpu0) / calls);
      // The bare proxy, interleaved with direct calls of its own so that both see the same moment of the machine.
      const d2: number[] = [];
      for (let i = 0; i < calls; i++) {
        d2.push((await call(direct, false)).totalMs);
        b.push((await call(bare.target, false)).totalMs);
      }
      // Phases of 100 concurrent streams, direct then through agentd.
      const dt = await ttftPhase(direct, phaseMs);
      const cpu1 = server.cpuMs();
      const gt = await ttftPhase(viaAgentd, phaseMs);
      out.cpuPerStream.push((server.cpuMs() - cpu1) / gt.length);
      const dt2 = await ttftPhase(direct, phaseMs);
      const cpu2 = bareCpuMs();
      const bt = await ttftPhase(bare.target, phaseMs);
      out.bareCpuPerStream.push((bareCpuMs() - cpu2) / bt.length);
      out.bareP99.push(percentile(b, 99) - percentile(d2, 99));
      out.bareTtftP99.push(percentile(bt, 99) - percentile(dt2, 99));
      out.p50.push(percentile(g, 50) - percentile(d, 50));
      out.p99.push(percentile(g, 99) - percentile(d, 99));
      out.ttftP50.push(percentile(gt, 50) - percentile(dt, 50));
      out.ttftP99.push(percentile(gt, 99) - percentile(dt, 99));
      out.directP50.push(percentile(d, 50));
      out.directTtftP50.push(percentile(dt, 50));
      ctx.log(
        `run ${run + 1}: non-streamed p50 ${percentile(d, 50).toFixed(2)} → ${percentile(g, 50).toFixed(2)} ms, ` +
          `TTFT at ${STREAMS} streams p50 ${percentile(dt, 50).toFixed(2)} → ${percentile(gt, 50).toFixed(2)} ms, ` +
          `p99 ${percentile(dt, 99).toFixed(2)} → ${percentile(gt, 99).toFixed(2)} ms; bare proxy: non-streamed p99 ` +
          `${percentile(d2, 99).toFixed(2)} → ${percentile(b, 99).toFixed(2)} ms, TTFT p99 ${percentile(dt2, 99).toFixed(2)} → ${percentile(bt, 99).toFixed(2)} ms`,
      );
    }
  } finally {
    bare.child.kill('SIGTERM');
    await server.stop();
    await fake.close();
  }
  return {
    metrics: [
      metric(7, 'gateway-call-p50', 'gateway: added latency per non-streamed call, p50', 'ms', out.p50, { target: { op: '<=', value: 1 } }),
      metric(7, 'gateway-call-p99', 'gateway: added latency per non-streamed call, p99', 'ms', out.p99, { target: { op: '<=', value: 3 } }),
      metric(7, 'gateway-ttft-p50', `gateway: added time to first token, ${STREAMS} concurrent streams, p50`, 'ms', out.ttftP50, { target: { op: '<=', value: 1 } }),
      metric(7, 'gateway-ttft-p99', `gateway: added time to first token, ${STREAMS} concurrent streams, p99`, 'ms', out.ttftP99, { target: { op: '<=', value: 3 } }),
      metric(7, 'gateway-cpu-call', 'gateway: agentd CPU per non-streamed call', 'ms', out.cpuPerCall),
      metric(7, 'gateway-cpu-stream', `gateway: agentd CPU per streamed call (${STREAM_TEXT.split(' ').length - 1} deltas)`, 'ms', out.cpuPerStream),
      metric(7, 'gateway-bare-call-p99', 'gateway floor: a bare Node.js proxy, added latency per non-streamed call, p99', 'ms', out.bareP99),
      metric(7, 'gateway-bare-ttft-p99', `gateway floor: a bare Node.js proxy, added time to first token, ${STREAMS} streams, p99`, 'ms', out.bareTtftP99),
      metric(7, 'gateway-bare-cpu-stream', 'gateway floor: the bare proxy\'s CPU per streamed call', 'ms', out.bareCpuPerStream),
    ],
    details: { directCallP50Ms: out.directP50, directTtftP50Ms: out.directTtftP50, calls, streamPhaseMs: phaseMs, chunkDelayMs: CHUNK_DELAY_MS },
  };
};
