// `npx tsx bench/trace-cost.ts`: what tracing adds to a turn, in process (no server): the spans of
// one tool-using turn (invoke_agent, two chat, one execute_tool) made through the engine's
// TurnSpans, with no export target, with a live OTLP/HTTP collector on loopback, and with a
// collector that is down. The time is what the turn's own path pays (span creation, attributes,
// handing the span to the batch); export runs in the background. Prints one table; see
// docs/benchmarks.md.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TurnSpans } from '../src/engine/turn-spans.js';
import { Tracing } from '../src/telemetry/tracing.js';
import { ExportTarget } from '../src/telemetry/span-export.js';
import type { SessionAgent } from '../src/api/wire.js';
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';

const TURNS = 20_000;
const agent = { id: 'agent_b', name: 'bench', version: 1, model: { id: 'claude-sonnet-4-6' } } as unknown as SessionAgent;
const message = (stop: 'tool_use' | 'end_turn') =>
  ({ id: 'msg_b', model: 'claude-sonnet-4-6', role: 'assistant', content: [], stop_reason: stop, usage: { input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 300, cache_creation_input_tokens: 0 } }) as unknown as BetaMessage;
const request = { model: 'claude-sonnet-4-6', max_tokens: 32000, messages: [{ role: 'user' as const, content: 'go' }] };

async function collector(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, received: () => bytes, close: () => new Promise((r) => server.close(() => r())) };
}

async function closedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/v1/traces`;
}

async function run(label: string, url: string | undefined) {
  const tracing = new Tracing('agentd-bench');
  const counts = { exported: 0, dropped: 0 };
  if (url) {
    tracing.setTarget(
      new ExportTarget(
        { name: 'env', url, protocol: 'http/protobuf', headers: {}, content: { type: 'metadata_only' }, batchDelayMs: 200, maxQueueSize: 2048 },
        { exported: (_t, n) => (counts.exported += n), dropped: (_t, _r, n) => (counts.dropped += n) },
      ),
    );
  }
  const spans = new TurnSpans({ tracer: tracing.tracer, wantsContent: () => false }, { id: 'sesn_b', workspaceId: 'wrkspc_default' }, 'anthropic');
  const t0 = performance.now();
  for (let i = 0; i < TURNS; i++) {
    spans.turn('primary', agent);
    spans.chat('primary', request).end({ ok: true, message: message('tool_use') });
    spans.tool('primary', { name: 'bash', toolUseId: `toolu_${i}`, input: {}, kind: 'builtin' }).end({ ok: true, isError: false });
    spans.chat('primary', request).end({ ok: true, message: message('end_turn') });
    spans.end('primary');
    // Let the batch's timer and the exporter run between turns, as they would between real turns.
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  const perTurnUs = ((performance.now() - t0) * 1000) / TURNS;
  const t1 = performance.now();
  await tracing.shutdown();
  return { label, perTurnUs, exported: counts.exported, dropped: counts.dropped, shutdownMs: performance.now() - t1 };
}

const live = await collector();
const rows = [await run('no export target', undefined), await run('live collector (protobuf)', live.url), await run('collector down', await closedUrl())];
await live.close();
console.log(`${TURNS} turns × 4 spans (invoke_agent, chat, execute_tool, chat), maxQueueSize 2048\n`);
console.log('| target | µs per turn (turn path) | spans exported | spans dropped | shutdown ms |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.label} | ${r.perTurnUs.toFixed(1)} | ${r.exported} | ${r.dropped} | ${r.shutdownMs.toFixed(0)} |`);
}
