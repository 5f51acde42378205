// The egress proxy for sandboxes under `limited` networking: an HTTP forward proxy (plain
// `GET http://host/...`) and CONNECT tunnel (HTTPS and anything else) that lets through only the
// hosts its policy allows. One proxy per server; each sandbox gets its own endpoint, a Unix socket
// bind-mounted into the sandbox (which has no network of its own), carrying that session's policy.
// For a session with environment-variable credentials it also substitutes their placeholders:
// in plain http requests directly, and in HTTPS by terminating the tunnel's TLS with a certificate
// from the egress CA (only for hosts some credential applies to; others stay opaque tunnels).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { EnvCredential } from '../../domain/env-credentials.js';
import type { Logger } from '../../logger.js';
import type { DestinationRules } from '../network/destination-policy.js';
import { resolveDestination } from '../network/resolve-destination.js';
import type { EgressCa } from './egress-ca.js';
import type { EgressPolicy } from './egress-policy.js';
import { relayRequest, type BodyBudget } from './egress-relay.js';
import { credentialsFor } from './substitute.js';

export interface EgressEndpoint {
  readonly socketPath: string;
  close(): Promise<void>;
}

/** A session's environment-variable credentials as they are now (read at every request: rotation counts at once). */
export type CredentialLookup = () => Promise<EnvCredential[]>;

/** What TLS interception needs: the CA minting host certificates, and the roots upstreams are verified against. */
export interface Interception {
  ca: () => EgressCa;
  upstreamCa: readonly string[];
}

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
    private readonly interception?: Interception,
  ) {}

  /**
   * Starts an endpoint enforcing `policy`; `name` must be unique among open endpoints. With
   * `credentials`, requests to a host a credential applies to get its placeholder substituted.
   */
  async open(name: string, policy: EgressPolicy, credentials?: CredentialLookup): Promise<EgressEndpoint> {
    const socketPath = path.join(this.socketDir, `${name}.sock`);
    fs.rmSync(socketPath, { force: true });
    const log = this.logger.child({ egress: name });
    const lookup = credentials ? this.guarded(credentials, log) : undefined;
    const budget: BodyBudget = { held: 0 };
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
      void this.forward(t, req, res, log, lookup, budget);
    });
    // Requests inside intercepted HTTPS tunnels: each TLS socket knows where its tunnel leads.
    const tunnels = new WeakMap<object, { t: Target; address: string }>();
    const inner = http.createServer((req, res) => {
      const to = tunnels.get(req.socket);
      if (!to || !lookup || !this.interception) return void res.destroy();
      const up = { host: to.t.host, address: to.address, port: to.t.port, path: req.url ?? '/', tls: { context: this.upstreamContext() } };
      void this.substituted(to.t.host, res, lookup, (creds) => relayRequest(req, res, up, creds, budget));
    });
    server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
      client.on('error', () => client.destroy());
      const t = target(req.url ?? '', true);
      if (!t) return rawResponse(client, '400 Bad Request', 'agentd egress proxy: CONNECT needs host:port\n');
      if (!policy.allows(t.host)) {
        log.info({ host: t.host, port: t.port }, 'egress denied');
        return rawResponse(client, '403 Forbidden', deniedText(t.host));
      }
      void this.tunnel(t, client, head, log, lookup, (tlsSocket, address) => {
        tunnels.set(tlsSocket, { t, address });
        inner.emit('connection', tlsSocket);
      });
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

  private upstreamTls: tls.SecureContext | undefined;

  /** The roots upstream TLS is verified against, as one context (built on first use). */
  private upstreamContext(): tls.SecureContext {
    return (this.upstreamTls ??= tls.createSecureContext({ ca: [...(this.interception?.upstreamCa ?? [])] }));
  }

  /** A lookup that logs its failure (never a secret: only the error) and rethrows. */
  private guarded(lookup: CredentialLookup, log: Logger): CredentialLookup {
    return async () => {
      try {
        return await lookup();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'egress: credentials could not be read');
        throw err;
      }
    };
  }

  /** Runs `relay` with the credentials that apply to `host` now; if they cannot be read, the request fails (502) rather than leave unsubstituted. */
  private async substituted(host: string, res: http.ServerResponse, lookup: CredentialLookup | undefined, relay: (creds: EnvCredential[]) => Promise<void>): Promise<void> {
    let creds: EnvCredential[] = [];
    try {
      if (lookup) creds = credentialsFor(await lookup(), host);
    } catch {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('agentd egress proxy: the session\'s credentials could not be read; the request was not sent\n');
      return;
    }
    await relay(creds);
  }

  private async forward(
    t: Target,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    log: Logger,
    lookup: CredentialLookup | undefined,
    budget: BodyBudget,
  ): Promise<void> {
    const dest = await resolveDestination(t.host, this.rules);
    if (!dest.ok) {
      log.info({ host: t.host, port: t.port, reason: dest.reason }, 'egress denied: blocked destination');
      res.writeHead(403, { 'content-type': 'text/plain', 'x-agentd-egress': 'denied' }).end(blockedText(dest.reason));
      return;
    }
    const up = { host: t.host, address: dest.address, port: t.port, path: t.path };
    await this.substituted(t.host, res, lookup, (creds) => relayRequest(req, res, up, creds, budget));
  }

  /** Whether a CONNECT to `host` is opened (TLS terminated here) to substitute credentials. */
  private async intercepts(host: string, lookup: CredentialLookup | undefined): Promise<boolean> {
    if (!lookup || !this.interception) return false;
    return credentialsFor(await lookup(), host).length > 0;
  }

  private async tunnel(
    t: Target,
    client: Duplex,
    head: Buffer,
    log: Logger,
    lookup: CredentialLookup | undefined,
    serve: (tlsSocket: tls.TLSSocket, address: string) => void,
  ): Promise<void> {
    const dest = await resolveDestination(t.host, this.rules);
    if (!dest.ok) {
      log.info({ host: t.host, port: t.port, reason: dest.reason }, 'egress denied: blocked destination');
      return rawResponse(client, '403 Forbidden', blockedText(dest.reason));
    }
    let intercept: boolean;
    try {
      intercept = await this.intercepts(t.host, lookup);
    } catch {
      return rawResponse(client, '502 Bad Gateway', "agentd egress proxy: the session's credentials could not be read; the tunnel was not opened\n");
    }
    if (intercept && this.interception) {
      // The client talks TLS to us, with a certificate for the host it asked for from the egress CA
      // (which only sandboxes trust); each request inside is relayed upstream over verified TLS.
      let context: tls.SecureContext;
      try {
        context = this.interception.ca().contextFor(t.host);
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err), host: t.host }, 'egress: no certificate for an intercepted host');
        return rawResponse(client, '502 Bad Gateway', 'agentd egress proxy: could not set up TLS for this host\n');
      }
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) (client as net.Socket).unshift(head);
      const secure = new tls.TLSSocket(client as net.Socket, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
      secure.on('error', () => secure.destroy());
      serve(secure, dest.address);
      return;
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
