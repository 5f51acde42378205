// Which addresses the guarded fetch refuses unless the operator allows private networks.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { guardedFetch, PrivateAddressError } from '../../src/net/guarded-fetch.js';
import { isPrivateAddress } from '../../src/net/private-address.js';

describe('private addresses', () => {
  it('classifies loopback, link-local, private, shared and mapped forms as private', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1',
      // IPv6 addresses that lead to an IPv4 host: mapped in hex, compatible, NAT64, 6to4
      '::ffff:7f00:1', '::ffff:a9fe:a9fe', '::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b::10.0.0.1', '2002:7f00:1::1', '2002:a9fe:a9fe::']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808', '2002:808:808::1', 'example.com']) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });

  it('refuses IP literals and names resolving to private addresses, naming the setting', async () => {
    const f = guardedFetch({ allowPrivate: false, setting: 'AGENTD_MCP_ALLOW_PRIVATE' });
    await expect(f('http://127.0.0.1:8999/')).rejects.toBeInstanceOf(PrivateAddressError);
    await expect(f('http://[::1]:8999/')).rejects.toThrow(/AGENTD_MCP_ALLOW_PRIVATE/);
    const viaName = await f('http://localhost:8999/').then(
      () => undefined,
      (err: Error) => err,
    );
    expect(String((viaName as Error & { cause?: Error })?.cause?.message ?? viaName?.message)).toMatch(/AGENTD_MCP_ALLOW_PRIVATE/);
  });

  it('checks every connection: a redirect from an allowed host to a private address literal is refused', async () => {
    // 127.0.0.2 stands for a public host (this test's policy); 127.0.0.1 stays private and must never be reached.
    const internalHits: string[] = [];
    const internal = http.createServer((req, res) => {
      internalHits.push(`${req.method} ${req.url}`);
      res.end('INTERNAL');
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/latest/meta-data/`;
    const redirector = http.createServer((req, res) => {
      req.resume();
      res.writeHead(req.url === '/see-other' ? 303 : 307, { location: target }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.2', r));
    const from = `http://127.0.0.2:${(redirector.address() as AddressInfo).port}`;
    try {
      const f = guardedFetch({ allowPrivate: false, setting: 'AGENTD_MCP_ALLOW_PRIVATE', isPrivate: (a) => a !== '127.0.0.2' && isPrivateAddress(a) });
      for (const [path, init] of [['/token', { method: 'POST', body: 'grant_type=refresh_token' }], ['/see-other', {}]] as const) {
        const err = await f(`${from}${path}`, init).then(
          () => undefined,
          (e: Error & { cause?: Error }) => e,
        );
        expect(String(err?.cause?.message ?? err?.message), path).toMatch(/refusing to connect to 127\.0\.0\.1 .*AGENTD_MCP_ALLOW_PRIVATE/);
      }
      expect(internalHits).toEqual([]);
      // The allowed host itself is reached.
      expect((await f(`${from}/token`, { method: 'POST', body: 'x', redirect: 'manual' })).status).toBe(307);
    } finally {
      internal.close();
      redirector.close();
    }
  });
});
