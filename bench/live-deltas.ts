// `npx tsx bench/live-deltas.ts [--turns N] [--dialect sqlite|postgres]` (after `npm run build`):
// how long a model's token takes to reach a client as a live preview. A real `agentd serve` on
// loopback calls an upstream in this process that streams each reply's text in timed fragments;
// a client in this process reads the session's stream with `event_deltas: ['agent.message']`.
// Per turn: from the moment the upstream writes its first text_delta to the moment the client
// receives the first event_delta (and the same for every later fragment). One process clock
// (performance.now) on both ends. Prints p50/p99; figures in docs/benchmarks.md.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startAgentd } from './lib/agentd.js';
import { percentile } from './lib/stats.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const TURNS = Number(arg('turns', '200'));
const DIALECT = arg('dialect', 'sqlite') as 'sqlite' | 'postgres';
const FRAGMENTS = 5;
const GAP_MS = 10; // between fragments
/** A (short) time to first token, as a model has: the durable events of the turn's start are delivered by then. */
const FIRST_TOKEN_MS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// When each fragment of the current turn was written upstream.
let written: number[] = [];
const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', async () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_bench' });
    const usage = { input_tokens: 10, output_tokens: FRAGMENTS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    res.write(sse('message_start', { type: 'message_start', message: { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [], stop_reason: null, stop_sequence: null, usage } }));
    res.write(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    written = [];
    for (let i = 0; i < FRAGMENTS; i++) {
      await sleep(i === 0 ? FIRST_TOKEN_MS : GAP_MS);
      written.push(performance.now());
      res.write(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `fragment ${i} ` } }));
    }
    res.write(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
    res.write(sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: FRAGMENTS } }));
    res.end(sse('message_stop', { type: 'message_stop' }));
  });
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const modelUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

const server = await startAgentd({
  dialect: DIALECT,
  postgresUrl: process.env.AGENTD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  modelUrl,
  label: 'live-deltas',
  env: { AGENTD_SANDBOX: 'none' },
});
const first: number[] = [];
const later: number[] = [];
try {
  const client = server.client;
  const agent = await client.beta.agents.create({ name: 'bench-deltas', model: 'claude-haiku-4-5', tools: [] });
  const env = await client.beta.environments.create({ name: `bench-deltas-${Date.now()}` });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  const stream = await client.beta.sessions.events.stream(session.id, { event_deltas: ['agent.message'] });
  const it = stream[Symbol.asyncIterator]();
  for (let turn = 0; turn < TURNS; turn++) {
    await client.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: `turn ${turn}` }] }] });
    let n = 0;
    for (;;) {
      const { value, done } = await it.next();
      if (done) throw new Error('stream ended');
      if (value.type === 'event_delta') {
        const lag = performance.now() - written[n]!;
        (n === 0 ? first : later).push(lag);
        n++;
      }
      if (value.type === 'session.status_idle') break;
      if (value.type === 'session.error') throw new Error(value.error.message);
    }
    if (n !== FRAGMENTS) throw new Error(`turn ${turn}: ${n} of ${FRAGMENTS} deltas`);
  }
  stream.controller.abort();
} finally {
  await server.stop();
  upstream.close();
}
const fmt = (xs: number[], p: number) => `${percentile(xs, p).toFixed(2)} ms`;
console.log(`live deltas, ${DIALECT}, ${TURNS} turns × ${FRAGMENTS} fragments (first after ${FIRST_TOKEN_MS} ms, then ${GAP_MS} ms apart)`);
console.log(`| figure | p50 | p99 |`);
console.log(`|---|---|---|`);
console.log(`| model's first token → client's first event_delta | ${fmt(first, 50)} | ${fmt(first, 99)} |`);
console.log(`| every later token → its event_delta | ${fmt(later, 50)} | ${fmt(later, 99)} |`);
