// The egress proxy's TLS interception on its own (real proxy endpoint on a Unix socket, real TLS
// servers on loopback, no sandbox): an upstream whose certificate the proxy cannot verify gets no
// request, and a session whose credentials cannot be read gets no tunnel, rather than anything
// leaving unsubstituted or unverified.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvCredential } from '../../src/domain/env-credentials.js';
import { destinationRules } from '../../src/sandbox/bubblewrap/bubblewrap-provider.js';
import { EgressCa } from '../../src/sandbox/egress/egress-ca.js';
import { policyFromPatterns } from '../../src/sandbox/egress/egress-policy.js';
import { EgressProxy } from '../../src/sandbox/egress/egress-proxy.js';
import { MAX_SUBSTITUTED_BODY } from '../../src/sandbox/egress/egress-relay.js';
import { startUpstream, type Upstream } from '../helpers/tls-upstream.js';

const HOST = '127.0.0.2';
const credential: EnvCredential = {
  credentialId: 'vcrd_t',
  name: 'API_TOKEN',
  placeholder: 'agentd_placeholder_feedfeedfeedfeedfeedfeedfeedfeedfeedfeed',
  hosts: [HOST],
  header: true,
  body: false,
  value: 'sk-interception-test-secret',
};

/** CONNECT through the endpoint, then one GET (or POST of `body`) over TLS trusting `ca`; the status line (or CONNECT's answer). */
async function get(socketPath: string, port: number, ca: string[], body?: Buffer): Promise<string> {
  return (await exchange(socketPath, port, ca, '/x', body)).split('\r\n')[0]!;
}

/** The whole raw answer to one request for `urlPath`. */
function exchange(socketPath: string, port: number, ca: string[], urlPath: string, body?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const connect = http.request({ socketPath, method: 'CONNECT', path: `${HOST}:${port}` });
    connect.on('connect', (res, socket) => {
      if (res.statusCode !== 200) return resolve(`CONNECT ${res.statusCode}`);
      const secure = tls.connect({ socket, ca, servername: 'localhost', checkServerIdentity: (_h, cert) => tls.checkServerIdentity(HOST, cert) });
      secure.on('error', reject);
      const method = body ? `POST ${urlPath} HTTP/1.1\r\nContent-Length: ${body.length}\r\n` : `GET ${urlPath} HTTP/1.1\r\n`;
      secure.write(`${method}Host: ${HOST}\r\nAuthorization: Bearer ${credential.placeholder}\r\nConnection: close\r\n\r\n`);
      // The proxy may answer (and close) before taking all of a refused body.
      if (body) secure.write(body, () => {});
      let answer = '';
      secure.on('data', (d: Buffer) => (answer += d.toString()));
      secure.on('end', () => resolve(answer));
    });
    connect.on('error', reject);
    connect.end();
  });
}

describe('egress proxy TLS interception', { timeout: 60_000 }, () => {
  let upstream: Upstream;
  let dir: string;
  let ca: EgressCa;
  beforeAll(async () => {
    upstream = await startUpstream([HOST]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-egress-test-'));
    ca = EgressCa.loadOrCreate(path.join(dir, 'ca'));
  });
  afterAll(async () => {
    await upstream?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const proxyTrusting = (roots: string[]) =>
    new EgressProxy(dir, pino({ level: 'silent' }), destinationRules([`${HOST}/32`]), { ca: () => ca, upstreamCa: roots });

  it('keeps the CA key private to the server (mode 0600)', () => {
    expect(fs.statSync(path.join(dir, 'ca', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'ca')).mode & 0o777).toBe(0o700);
  });

  it('substitutes for a verified upstream, and sends nothing to one it cannot verify', async () => {
    const port = upstream.ports[HOST]!.https;
    const trusted = proxyTrusting([fs.readFileSync(upstream.caFile, 'utf8')]);
    const untrusted = proxyTrusting([ca.certPem]); // not the upstream's CA
    try {
      const good = await trusted.open('good', policyFromPatterns([HOST]), async () => [credential]);
      expect(await get(good.socketPath, port, [ca.certPem])).toBe('HTTP/1.1 200 OK');
      expect(upstream.seen.at(-1)!.headers.authorization).toBe(`Bearer ${credential.value}`);
      const before = upstream.seen.length;
      const bad = await untrusted.open('bad', policyFromPatterns([HOST]), async () => [credential]);
      expect(await get(bad.socketPath, port, [ca.certPem])).toBe('HTTP/1.1 502 Bad Gateway');
      expect(upstream.seen.length).toBe(before);
    } finally {
      await trusted.close();
      await untrusted.close();
    }
  });

  it('turns a secret the host reflects back into the placeholder before the sandbox sees it', async () => {
    const proxy = proxyTrusting([fs.readFileSync(upstream.caFile, 'utf8')]);
    try {
      const endpoint = await proxy.open('echo', policyFromPatterns([HOST]), async () => [credential]);
      const answer = await exchange(endpoint.socketPath, upstream.ports[HOST]!.https, [ca.certPem], '/echo');
      expect(upstream.seen.at(-1)!.headers.authorization).toBe(`Bearer ${credential.value}`);
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(answer).toContain(`x-echo: Bearer ${credential.placeholder}`);
      expect(answer).toContain(`you sent: Bearer ${credential.placeholder}`);
      expect(answer).not.toContain(credential.value);
    } finally {
      await proxy.close();
    }
  });

  it('refuses (413) a body too large to search rather than send it unsubstituted', async () => {
    const proxy = proxyTrusting([fs.readFileSync(upstream.caFile, 'utf8')]);
    try {
      const endpoint = await proxy.open('large', policyFromPatterns([HOST]), async () => [{ ...credential, body: true }]);
      const before = upstream.seen.length;
      const port = upstream.ports[HOST]!.https;
      expect(await get(endpoint.socketPath, port, [ca.certPem], Buffer.alloc(MAX_SUBSTITUTED_BODY + 1024 * 1024, 'a'))).toBe('HTTP/1.1 413 Payload Too Large');
      expect(upstream.seen.length).toBe(before);
      // The endpoint goes on: a body within the cap is substituted.
      expect(await get(endpoint.socketPath, port, [ca.certPem], Buffer.from(`k=${credential.placeholder}`))).toBe('HTTP/1.1 200 OK');
      expect(upstream.seen.at(-1)!.body).toBe(`k=${credential.value}`);
    } finally {
      await proxy.close();
    }
  });

  it('opens no tunnel when the credentials cannot be read', async () => {
    const proxy = proxyTrusting([fs.readFileSync(upstream.caFile, 'utf8')]);
    try {
      const failing = await proxy.open('failing', policyFromPatterns([HOST]), async () => {
        throw new Error('store down');
      });
      const before = upstream.seen.length;
      expect(await get(failing.socketPath, upstream.ports[HOST]!.https, [ca.certPem])).toBe('CONNECT 502');
      expect(upstream.seen.length).toBe(before);
    } finally {
      await proxy.close();
    }
  });
});
