// Item 2: event delivery latency, commit → SSE receipt. The engine is off (AGENTD_ENGINE=off), so
// a `user.message` is only validated, committed and fanned out. Each event carries a nonce; the
// client stamps performance.now() just before writing the POST and again when the frame with the
// nonce arrives on each stream. The commit happens between the two, so send→receipt is an upper
// bound on commit→receipt; send→ack (the POST's own round trip, which also ends after the
// commit) is reported beside it to show how loose the bound is.
//
// Every shape is also run, alternately in the same runs, against a bare Node.js server (bench/lib/bare-events.mjs:
// the same POST and stream with no authentication, validation, storage or engine): the floor of these figures on
// this machine, against which agentd's can be read.
import { BENCH_API_KEY } from '../lib/agentd.js';
import { startBareServer } from '../lib/bare-server.js';
import { HttpClient } from '../lib/http-client.js';
import type { Item, ItemContext } from '../lib/context.js';
import { metric, type Metric } from '../lib/metrics.js';
import { createSession, pool, setup, userMessage } from '../lib/sessions.js';
import { openStream, type SessionStream } from '../lib/sse-client.js';
import { percentile } from '../lib/stats.js';

interface Shape {
  key: string;
  label: string;
  sessions: number;
  /** Streams per session. */
  streamsPer: number;
  /** Events sent one after another (each waits for every receipt), or all sessions at once per round. */
  mode: 'sequential' | 'burst';
  events: number;
  target?: boolean;
}

const TIMEOUT_MS = 10_000;

/** Where the events go: agentd, or the bare server. */
interface Target {
  url: string;
  http: HttpClient;
}

async function measureShape(server: Target, shape: Shape, sessionIds: string[]) {
  const expected = shape.streamsPer;
  /** nonce → pending receipts */
  const waiting = new Map<string, { sentAt: number; left: number; done: () => void; receipts: number[] }>();
  const streams: SessionStream[] = [];
  let streamErrors = 0;
  for (const id of sessionIds) {
    for (let k = 0; k < shape.streamsPer; k++) {
      streams.push(
        openStream(
          server.url,
          BENCH_API_KEY,
          id,
          (f) => {
            if (f.type !== 'user.message') return;
            const m = /"text":"n(\d+)"/.exec(f.data);
            const w = m ? waiting.get(m[1]!) : undefined;
            if (!w) return;
            w.receipts.push(f.at);
            if (--w.left === 0) w.done();
          },
          { onError: () => streamErrors++ },
        ),
      );
    }
  }
  try {
    await Promise.all(streams.map((s) => s.ready));
    const latencies: number[] = [];
    const acks: number[] = [];
    let nonce = 0;
    const sendOne = async (sessionId: string) => {
      const n = String(nonce++);
      let done!: () => void;
      const all = new Promise<void>((r) => (done = r));
      const entry = { sentAt: 0, left: expected, done, receipts: [] as number[] };
      waiting.set(n, entry);
      const r = await server.http.ok('POST', `/v1/sessions/${sessionId}/events`, userMessage(`n${n}`));
      entry.sentAt = r.sentAt;
      acks.push(r.doneAt - r.sentAt);
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([all.then(() => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), TIMEOUT_MS)))]);
      clearTimeout(timer);
      waiting.delete(n);
      if (!ok) throw new Error(`event n${n}: ${expected - entry.left} of ${expected} streams received it within ${TIMEOUT_MS} ms`);
      for (const at of entry.receipts) latencies.push(at - entry.sentAt);
    };
    // A few unmeasured events first (JIT, first-use paths).
    for (let i = 0; i < 5; i++) await sendOne(sessionIds[i % sessionIds.length]!);
    latencies.length = 0;
    acks.length = 0;
    if (shape.mode === 'sequential') {
      for (let i = 0; i < shape.events; i++) await sendOne(sessionIds[i % sessionIds.length]!);
    } else {
      const rounds = Math.max(1, Math.round(shape.events / sessionIds.length));
      for (let r = 0; r < rounds; r++) await Promise.all(sessionIds.map((id) => sendOne(id)));
    }
    if (streamErrors) throw new Error(`${streamErrors} stream(s) failed`);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), ackP50: percentile(acks, 50), samples: latencies.length };
  } finally {
    for (const s of streams) s.close();
  }
}

export const delivery: Item = async (ctx: ItemContext) => {
  const quick = ctx.opts.quick;
  const runs = ctx.runs(3, 1);
  const shapes: Shape[] = [
    { key: 'one', label: '1 stream', sessions: 1, streamsPer: 1, mode: 'sequential', events: quick ? 100 : 300 },
    { key: 'fanout100', label: '100 streams on 1 session', sessions: 1, streamsPer: 100, mode: 'sequential', events: quick ? 30 : 100, target: true },
    // The bench's own client holds every stream in one process, so this shape measures it too.
    { key: 'fanout1000', label: '1,000 streams on 1 session', sessions: 1, streamsPer: 1000, mode: 'sequential', events: quick ? 10 : 30 },
    { key: 'across100', label: '100 streams on 100 sessions, one event at a time', sessions: 100, streamsPer: 1, mode: 'sequential', events: quick ? 100 : 300, target: true },
    { key: 'burst100', label: '100 streams on 100 sessions, 100 events at once', sessions: 100, streamsPer: 1, mode: 'burst', events: quick ? 500 : 2000 },
  ];
  // DELIVERY_SHAPES=fanout100,… runs only those shapes (by key), for a closer look at one.
  const only = process.env.DELIVERY_SHAPES?.split(',');
  if (only) shapes.splice(0, shapes.length, ...shapes.filter((s) => only.includes(s.key)));
  const server = await ctx.start('delivery', { engine: false });
  const bareServer = await startBareServer('bare-events.mjs');
  const bare: Target = { url: bareServer.url, http: new HttpClient(bareServer.url, BENCH_API_KEY) };
  const metrics: Metric[] = [];
  try {
    const s = await setup(server);
    for (const shape of shapes) {
      const p50: number[] = [];
      const p99: number[] = [];
      const ack: number[] = [];
      const bareP50: number[] = [];
      const bareP99: number[] = [];
      for (let run = 0; run < runs; run++) {
        const ids = await pool(Array.from({ length: shape.sessions }), 20, () => createSession(server, s));
        const bareIds = Array.from({ length: shape.sessions }, (_, i) => `sesn_bare_${run}_${i}`);
        // Alternate which goes first, so that neither always runs on a machine warmed (or tired) by the other.
        const measureBare = async () => {
          const b = await measureShape(bare, shape, bareIds);
          bareP50.push(b.p50);
          bareP99.push(b.p99);
          ctx.log(`${shape.label}, bare server: p50 ${b.p50.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms`);
        };
        if (run % 2 === 1) await measureBare();
        const r = await measureShape(server, shape, ids);
        p50.push(r.p50);
        p99.push(r.p99);
        ack.push(r.ackP50);
        ctx.log(`${shape.label}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, POST ack p50 ${r.ackP50.toFixed(2)} ms (${r.samples} receipts)`);
        if (run % 2 === 0) await measureBare();
      }
      const target = shape.target ? { target: { op: '<=' as const, value: 5 } } : {};
      metrics.push(
        metric(2, `delivery.${shape.key}.p50`, `delivery p50, ${shape.label}`, 'ms', p50),
        metric(2, `delivery.${shape.key}.p99`, `delivery p99, ${shape.label}`, 'ms', p99, target),
        metric(2, `delivery.${shape.key}.ack`, `  (POST send→ack p50, ${shape.label})`, 'ms', ack),
        metric(2, `delivery.${shape.key}.bare_p50`, `  (bare Node.js server: delivery p50, ${shape.label})`, 'ms', bareP50),
        metric(2, `delivery.${shape.key}.bare_p99`, `  (bare Node.js server: delivery p99, ${shape.label})`, 'ms', bareP99),
      );
    }
    return { metrics };
  } finally {
    bareServer.stop();
    await server.stop();
  }
};
