// The deny rules every sandbox's traffic follows (destination-policy.ts): the host (loopback, its
// interface addresses), link-local and metadata, private, shared and reserved ranges in IPv4 and
// IPv6 are refused, public addresses pass, operator-allowed networks are exempt; and the route
// plan an `unrestricted` sandbox's namespace gets says the same.
import { describe, expect, it } from 'vitest';
import { blockedDestination, parseCidr, sandboxRoutePlan, type DestinationRules } from '../../src/sandbox/network/destination-policy.js';

const rules = (over: Partial<DestinationRules> = {}): DestinationRules => ({
  hostAddresses: ['127.0.0.1', '::1', '198.51.7.9', '2a00:1450::5'],
  allowedNetworks: [],
  ...over,
});

describe('destination policy', () => {
  it.each([
    ['127.0.0.1', 'the host loopback'],
    ['127.255.0.9', 'the host loopback'],
    ['0.0.0.0', 'this host'],
    ['169.254.169.254', 'link-local'],
    ['10.0.2.2', 'a private network'],
    ['172.16.0.1', 'a private network'],
    ['172.31.255.255', 'a private network'],
    ['192.168.1.1', 'a private network'],
    ['100.64.0.1', 'shared address space'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'a reserved range'],
    ['::1', 'the host loopback'],
    ['::', 'the unspecified address'],
    ['::ffff:127.0.0.1', 'an IPv4-mapped address'],
    ['::ffff:a9fe:a9fe', 'an IPv4-mapped address'],
    ['fd00::1', 'a private network'],
    ['fe80::1%eth0', 'link-local'],
    ['[fe80::1]', 'link-local'],
    ['198.51.7.9', "the host's own addresses"],
    ['2a00:1450:0:0:0:0:0:5', "the host's own addresses"],
    ['localhost', 'not an IP address'],
    ['1.2.3', 'not an IP address'],
    ['1.2.3.256', 'not an IP address'],
  ])('refuses %s (%s)', (address, why) => {
    expect(blockedDestination(address, rules())).toContain(why);
  });

  it.each(['1.1.1.1', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '100.128.0.1'])('lets %s through', (address) => {
    expect(blockedDestination(address, rules())).toBeUndefined();
  });

  it('exempts what the operator allows, and only that', () => {
    const r = rules({ allowedNetworks: [parseCidr('10.20.0.0/16')!, parseCidr('127.0.0.3')!] });
    expect(blockedDestination('10.20.5.5', r)).toBeUndefined();
    expect(blockedDestination('127.0.0.3', r)).toBeUndefined();
    expect(blockedDestination('10.21.0.1', r)).toContain('private');
    expect(blockedDestination('127.0.0.1', r)).toContain('loopback');
  });

  it('parses networks and refuses malformed ones', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ family: 4, bits: 8, base: 10n << 24n });
    expect(parseCidr('fd00::/8')).toMatchObject({ family: 6, bits: 8 });
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'x/8', '::/129', '10.0.0.0/8/1', '']) expect(parseCidr(bad)).toBeUndefined();
  });

  it('plans prohibit routes for every blocked IPv4 range, the host addresses and the gateway; allowed networks route through it', () => {
    const plan = sandboxRoutePlan(rules({ allowedNetworks: [parseCidr('10.20.0.0/16')!, parseCidr('127.0.0.3/32')!] }));
    for (const r of ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10']) {
      expect(plan).toContain(`route add prohibit ${r}`);
    }
    expect(plan).toContain('route replace prohibit 198.51.7.9/32');
    expect(plan).toContain('route replace prohibit 10.0.2.2/32');
    expect(plan).toContain('route replace 10.20.0.0/16 via 10.0.2.2 dev tap0 onlink');
    // Loopback cannot be routed out of the sandbox's own namespace: AGENTD_SANDBOX_HOST_PORTS is that door.
    expect(plan.some((l) => l.includes('127.0.0.3'))).toBe(false);
    expect(plan.some((l) => l.includes(':'))).toBe(false);
  });
});
