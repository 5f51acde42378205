// Which addresses the guarded fetch refuses unless the operator allows private networks.
import { describe, expect, it } from 'vitest';
import { guardedFetch, PrivateAddressError } from '../../src/net/guarded-fetch.js';
import { isPrivateAddress } from '../../src/net/private-address.js';

describe('private addresses', () => {
  it('classifies loopback, link-local, private, shared and mapped forms as private', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', 'example.com']) {
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
});
