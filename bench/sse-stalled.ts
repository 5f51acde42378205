// `npx tsc -p . && npx tsx bench/sse-stalled.ts`: what 50 event-stream clients that never read cost
// the server while 10,000 events (~1 kB each) are appended to their session (issue 18, item 3).
// Runs the real `agentd serve` (SQLite, engine off) and reads its RSS from /proc: before the
// clients connect, with them connected, the peak while the events arrive and settle, and after
// the stall limit (the bounded server has disconnected them by then). Variants:
//   bounded    the defaults (AGENTD_SSE_MAX_BUFFER_BYTES 1 MiB, AGENTD_SSE_STALL_MS 30 s; the
//              stall limit here is 5 s so the run stays short)
//   unbounded  the same code with both bounds out of reach (1 GiB, 1 h): every stalled client's
//              backlog queues in the server, which is what an unbounded send buffer means
// BENCH_ONLY=bounded,before picks variants; BENCH_BATCH sets events per append (default 20).
//   before     BENCH_BEFORE_DIST=<dir with cli/main.js> runs an older build (e.g. before the fix)
// Prints one table; see docs/benchmarks.md.
import http from 'node:http';
import path from 'node:path';
import { setAgentdBin, startAgentd, BENCH_API_KEY, type Agentd } from './lib/agentd.js';

const CLIENTS = 50;
const EVENTS = 10_000;
const BATCH = Number(process.env.BENCH_BATCH ?? 20); // an agent's turn appends a few events at a time
const TEXT = 'x'.repeat(1_000);
const STALL_MS = 5_000;

interface Variant {
  name: string;
  env: Record<string, string>;
  bin?: string;
}

const variants: Variant[] = [
  { name: 'bounded (1 MiB, stall 5 s)', env: { AGENTD_SSE_MAX_BUFFER_BYTES: String(1024 * 1024), AGENTD_SSE_STALL_MS: String(STALL_MS) } },
  { name: 'unbounded (1 GiB, 1 h)', env: { AGENTD_SSE_MAX_BUFFER_BYTES: String(1024 ** 3), AGENTD_SSE_STALL_MS: String(3_600_000) } },
];
if (process.env.BENCH_BEFORE_DIST) {
  variants.push({ name: `before (${process.env.BENCH_BEFORE_DIST})`, env: {}, bin: path.resolve(process.env.BENCH_BEFORE_DIST, 'cli/main.js') });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

/** A stream opened and never read: the response is paused as soon as its headers arrive. */
interface StalledClient {
  /** Starts reading; resolves true if the server ends the stream within `ms` (it had disconnected it). */
  drainEnds(ms: number): Promise<boolean>;
  destroy(): void;
}

function stalledClient(url: string, sessionId: string): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/v1/sessions/${sessionId}/events/stream`, { agent: false, headers: { 'x-api-key': BENCH_API_KEY } }, (res) => {
      res.pause();
      const ended = new Promise<boolean>((done) => res.socket.once('close', () => done(true)));
      resolve({
        drainEnds: (ms) => {
          res.resume();
          return Promise.race([ended, sleep(ms).then(() => false)]);
        },
        destroy: () => res.destroy(),
      });
    });
    req.on('error', reject);
  });
}

async function run(v: Variant): Promise<string> {
  setAgentdBin(v.bin ?? path.resolve('dist/cli/main.js'));
  const server: Agentd = await startAgentd({ dialect: 'sqlite', postgresUrl: '', label: 'sse-stalled', env: v.env });
  try {
    const agent = await server.client.beta.agents.create({ name: 'bench', model: 'claude-sonnet-4-6' });
    const env = await server.client.beta.environments.create({ name: 'bench' });
    const session = await server.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    await sleep(500);
    const idle = server.rssKb();
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => stalledClient(server.url, session.id)));
    await sleep(500);
    const connected = server.rssKb();
    let peak = connected;
    const sampler = setInterval(() => (peak = Math.max(peak, server.rssKb())), 100);
    const t0 = Date.now();
    for (let i = 0; i < EVENTS; i += BATCH) {
      const events = Array.from({ length: BATCH }, (_, j) => ({ type: 'user.message' as const, content: [{ type: 'text' as const, text: `${i + j} ${TEXT}` }] }));
      await server.client.beta.sessions.events.send(session.id, { events });
    }
    const sendMs = Date.now() - t0;
    await sleep(2_000); // let fan-out settle
    const settled = server.rssKb();
    // Past the stall limit the bounded server has let the stalled clients go.
    await sleep(Math.max(0, STALL_MS + 3_000 - (Date.now() - t0)));
    clearInterval(sampler);
    const after = server.rssKb();
    const disconnected = (await Promise.all(clients.map((c) => c.drainEnds(5_000)))).filter(Boolean).length;
    for (const c of clients) c.destroy();
    return `| ${v.name} | ${mib(idle)} | ${mib(connected)} | ${mib(peak)} (+${mib(peak - connected)}) | ${mib(settled)} | ${mib(after)} | ${disconnected} of ${CLIENTS} | ${(sendMs / 1000).toFixed(1)} s |`;
  } finally {
    await server.stop();
  }
}

const only = process.env.BENCH_ONLY?.split(',');
const rows: string[] = [];
for (const v of variants) if (!only || only.some((o) => v.name.startsWith(o))) rows.push(await run(v));
console.log(`${CLIENTS} stalled clients, ${EVENTS} events of ~1 kB appended in batches of ${BATCH} (SQLite)\n`);
console.log('| variant | RSS idle | with clients | peak (over connected) | 2 s after the last send | after the stall limit | disconnected by the server | append time |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
