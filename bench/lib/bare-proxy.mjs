// The floor of item 7: a bare Node.js pass-through proxy (no auth, no ledger, no parsing of what it relays) in its
// own process, so that the gateway's added latency can be read against what any Node.js relay adds on this machine.
// Run as `node bare-proxy.mjs` with UPSTREAM (the fake's URL), PORT and MODEL_KEY; prints "ready" once listening.
import http from 'node:http';

const upstream = new URL(process.env.UPSTREAM);
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    const headers = { 'content-type': 'application/json', 'content-length': body.length, 'x-api-key': process.env.MODEL_KEY, 'anthropic-version': '2023-06-01' };
    const up = http.request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, agent, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, { 'content-type': ur.headers['content-type'] ?? 'application/json' });
      ur.on('data', (c) => {
        if (!res.write(c)) {
          ur.pause();
          res.once('drain', () => ur.resume());
        }
      });
      ur.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    up.end(body);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
