// A minimal load balancer for the scale-out tests: a real HTTP server on loopback that sends each
// request to the next upstream in turn (no sticky sessions) and pipes bodies both ways unbuffered,
// so an SSE stream passes through as it is written. It records which upstream served what.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Routed {
  readonly method: string;
  readonly path: string;
  /** The upstream's base URL. */
  readonly upstream: string;
}

export interface RoundRobinProxy {
  readonly url: string;
  readonly routed: readonly Routed[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(upstreams: readonly string[]): Promise<RoundRobinProxy> {
  const routed: Routed[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const upstream = upstreams[next++ % upstreams.length]!;
    routed.push({ method: req.method ?? 'GET', path: req.url ?? '/', upstream });
    const target = new URL(req.url ?? '/', upstream);
    const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // An event stream's headers go out at once, before its first event.
      res.flushHeaders();
      answer.pipe(res);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: `upstream ${upstream} failed` } }));
    });
    // The client went away (e.g. aborted its stream): so does the upstream request.
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  // Long polls and event streams stay open; nothing here times them out.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
