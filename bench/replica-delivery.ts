// `npx tsx bench/replica-delivery.ts`: cross-replica delivery latency on PostgreSQL. Two real
// `agentd serve` replicas (API only: no turns run) share one scratch database next to
// AGENTD_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); 100 SSE streams are
// open on B, one per session, and user messages are sent to those sessions through A. Measured:
// from the send on A (request start, so it includes A's HTTP handling and the commit) to the
// event's arrival on B's stream. Prints p50/p99 and A's own send latency; see docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setAgentdBin, startAgentd, type Agentd } from './lib/agentd.js';
import { assertLoopback, createDatabase } from './lib/databases.js';
import { percentile } from './lib/stats.js';

const STREAMS = 100;
const ROUNDS = 10;
const adminUrl = process.env.AGENTD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
assertLoopback(adminUrl);
setAgentdBin(path.resolve('dist/cli/main.js'));

const db = await createDatabase(adminUrl);
const servers: Agentd[] = [];
const replica = async (label: string) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `agentd-bench-${label}-`));
  const s = await startAgentd({ dialect: 'postgres', postgresUrl: adminUrl, label, reuse: { dataDir, databaseUrl: db.url } });
  servers.push(s);
  return s;
};
try {
  const a = await replica('a');
  const b = await replica('b');
  const agent = await a.client.beta.agents.create({ name: 'bench-replicas', model: 'claude-sonnet-4-6' });
  const env = await a.client.beta.environments.create({ name: `bench-replicas-${Date.now()}` });
  const sessions = await Promise.all(
    Array.from({ length: STREAMS }, () => a.client.beta.sessions.create({ agent: agent.id, environment_id: env.id })),
  );
  // One stream per session on B; each resolves the waiter of the message it carries.
  const waiting = new Map<string, (at: number) => void>();
  const streams = await Promise.all(sessions.map((s) => b.client.beta.sessions.events.stream(s.id)));
  for (const stream of streams) {
    void (async () => {
      try {
        for await (const e of stream) {
          if (e.type !== 'user.message') continue;
          const text = (e.content[0] as { text: string }).text;
          waiting.get(text)?.(performance.now());
        }
      } catch {
        // aborted at the end
      }
    })();
  }
  const delivery: number[] = [];
  const send: number[] = [];
  /** Arrival on B measured from A's answer (the commit is before it): the bus's own share. */
  const afterAnswer: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Sessions one after another (a steady stream of commits), so each sample is one commit's path.
    for (const [i, s] of sessions.entries()) {
      const text = `r${round}-s${i}`;
      const arrived = new Promise<number>((resolve) => waiting.set(text, resolve));
      const t0 = performance.now();
      await a.client.beta.sessions.events.send(s.id, { events: [{ type: 'user.message', content: [{ type: 'text', text }] }] });
      send.push(performance.now() - t0);
      const t1 = performance.now();
      const at = await arrived;
      delivery.push(at - t0);
      afterAnswer.push(at - t1);
      waiting.delete(text);
    }
  }
  for (const stream of streams) stream.controller.abort();
  const f = (x: number) => x.toFixed(1);
  process.stdout.write(
    `cross-replica delivery (send on A -> event on B's stream), ${STREAMS} streams, ${delivery.length} events\n` +
      `  delivery ms: p50 ${f(percentile(delivery, 50))}  p99 ${f(percentile(delivery, 99))}  max ${f(Math.max(...delivery))}\n` +
      `  send on A ms (its HTTP answer): p50 ${f(percentile(send, 50))}  p99 ${f(percentile(send, 99))}\n` +
      `  after A answered ms (negative: arrived first): p50 ${f(percentile(afterAnswer, 50))}  p99 ${f(percentile(afterAnswer, 99))}\n`,
  );
} finally {
  for (const s of servers) {
    await s.stop().catch(() => {});
    fs.rmSync(s.dataDir, { recursive: true, force: true });
  }
  await db.drop();
}
