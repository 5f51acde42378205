// The egress proxy for sandboxes under `limited` networking: an HTTP forward proxy (plain
// `GET http://host/...`) and CONNECT tunnel (HTTPS and anything else) that lets through only the
// hosts its policy allows. One proxy per server; each sandbox gets its own endpoint, a Unix socket
// bind-mounted into the sandbox (which has no network of its own), carrying that session's policy.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../logger.js';
import type { DestinationRules } from '../network/destination-policy.js';
import { resolveDestination } from '../network/resolve-destination.js';
import type { EgressPolicy } from './egress-policy.js';

export interface EgressEndpoint {
  readonly socketPath: string;
  close(): Promise<void>;
}

/** Headers that describe one hop (client → proxy), not the request being forwarded. */
const HOP_HEADERS = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade']);

/** Parses `host:port` / `[v6]:port` (CONNECT) or an absolute http URL (forward) into host and port. */
interface Target {
  host: string;
  port: number;
  path: string;
}

function target(raw: string, connect: boolean): Target | undefined {
  try {
    const url = new URL(connect ? `http://${raw}` : raw);
    if (url.protocol !== 'http:' || (connect && !url.port)) return undefined;
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 80), path: url.pathname + url.search };
  } catch {
    return undefined;
  }
}

function deniedText(host: string): string {
  return `agentd egress proxy: "${host}" is not allowed by this environment's limited networking policy ` +
    `(add it to allowed_hosts, or enable allow_package_managers / allow_mcp_servers where that applies)\n`;
}

function blockedText(reason: string): string {
  return `agentd egress proxy: ${reason} (an operator can exempt a network with AGENTD_SANDBOX_ALLOWED_NETWORKS)\n`;
}

function rawResponse(socket: Duplex, status: string, body: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export class EgressProxy {
  private readonly endpoints = new Set<EgressEndpoint>();

  constructor(
    /** A private directory (mode 0700) for the endpoint sockets. */
    private readonly socketDir: string,
    private readonly logger: Logger,
    /** Where no allowed host may lead (the host, link-local, private ranges): checked on the resolved address. */
    private readonly rules: DestinationRules,
  ) {}

  /** Starts an endpoint enforcing `policy`; `name` must be unique among open endpoints. */
  async open(name: string, policy: EgressPolicy): Promise<EgressEndpoint> {
    const socketPath = path.join(this.socketDir, `${name}.sock`);
    fs.rmSync(socketPath, { force: true });
    const log = this.logger.child({ egress: name });
    const server = http.createServer((req, res) => {
      const t = target(req.url ?? '', false);
      if (!t) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('agentd egress proxy: expected an absolute http:// URL (use CONNECT for https)\n');
        return;
      }
      if (!policy.allows(t.host)) {
        log.info({ host: t.host, port: t.port }, 'egress denied');
        res.writeHead(403, { 'content-type': 'text/plain', 'x-agentd-egress': 'denied' }).end(deniedText(t.host));
        return;
      }
      void this.forward(t, req, res, log);
    });
    server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
      client.on('error', () => client.destroy());
      const t = target(req.url ?? '', true);
      if (!t) return rawResponse(client, '400 Bad Request', 'agentd egress proxy: CONNECT needs host:port\n');
      if (!policy.allows(t.host)) {
        log.info({ host: t.host, port: t.port }, 'egress denied');
        return rawResponse(client, '403 Forbidden', deniedText(t.host));
      }
      void this.tunnel(t, client, head, log);
    });
    server.maxConnections = 256;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
    // The sandbox may run as another (unprivileged) user: it must be able to connect.
    fs.chmodSync(socketPath, 0o666);
    const sockets = new Set<Duplex>();
    server.on('connection', (s: Duplex) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const endpoint: EgressEndpoint = {
      socketPath,
      close: async () => {
        if (!this.endpoints.delete(endpoint)) return;
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(socketPath, { force: true });
      },
    };
    this.endpoints.add(endpoint);
    return endpoint;
  }

  private async forward(t: Target, req: http.IncomingMessage, res: http.ServerResponse, log: Logger): Promise<void> {
    const dest = await resolveDestination(t.host, this.rules);
    if (!dest.ok) {
      log.info({ host: t.host, port: t.port, reason: dest.reason }, 'egress denied: blocked destination');
      res.writeHead(403, { 'content-type': 'text/plain', 'x-agentd-egress': 'denied' }).end(blockedText(dest.reason));
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_HEADERS.has(k)));
    const upstream = http.request({ host: dest.address, port: t.port, method: req.method, path: t.path, headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, Object.fromEntries(Object.entries(up.headers).filter(([k]) => !HOP_HEADERS.has(k))));
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`agentd egress proxy: ${err.message}\n`);
      else res.destroy();
    });
    req.pipe(upstream);
  }

  private async tunnel(t: Target, client: Duplex, head: Buffer, log: Logger): Promise<void> {
    const dest = await resolveDestination(t.host, this.rules);
    if (!dest.ok) {
      log.info({ host: t.host, port: t.port, reason: dest.reason }, 'egress denied: blocked destination');
      return rawResponse(client, '403 Forbidden', blockedText(dest.reason));
    }
    let established = false;
    const upstream = net.connect(t.port, dest.address, () => {
      established = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', (err) => {
      if (!established) rawResponse(client, '502 Bad Gateway', `agentd egress proxy: ${err.message}\n`);
      else client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async close(): Promise<void> {
    await Promise.all([...this.endpoints].map((e) => e.close()));
  }
}
