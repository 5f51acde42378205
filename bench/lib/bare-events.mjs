// The floor of item 2: a bare Node.js server that answers the two requests the delivery item makes — a
// `user.message` POST and a session's SSE stream — with no authentication, validation, storage or engine. It
// parses the POST's JSON, gives each event an id, answers, and writes the frame to the session's streams, so the
// delivery item's figures for it are what any Node.js server on this machine needs for the same exchange.
// Run as `node bare-events.mjs` with PORT; prints "ready" once listening.
import http from 'node:http';

/** session id → open stream responses */
const streams = new Map();
let seq = 0;

const server = http.createServer((req, res) => {
  const m = /^\/v1\/sessions\/([^/]+)\/events(\/stream)?$/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  const session = m[1];
  if (m[2]) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let set = streams.get(session);
    if (!set) streams.set(session, (set = new Set()));
    set.add(res);
    res.on('close', () => set.delete(res));
    return;
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const { events } = JSON.parse(Buffer.concat(parts).toString('utf8'));
    const stored = events.map((e) => ({ id: `sevt_${++seq}`, ...e, processed_at: new Date().toISOString() }));
    const body = JSON.stringify({ data: stored });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    const frames = stored.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    for (const s of streams.get(session) ?? []) s.write(frames);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(Number(process.env.PORT), '127.0.0.1', 2048, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
