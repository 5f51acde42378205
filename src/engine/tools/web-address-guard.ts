// Which addresses a model-steered fetch may connect to: never loopback, link-local, private,
// unique-local, CGNAT, multicast or unspecified ones unless the operator allows them
// (AGENTD_WEB_FETCH_ALLOW_PRIVATE). Checked on every resolved address, at connect time, so a DNS
// answer that changes between check and connect (rebinding) cannot slip through.
import dns from 'node:dns';
import net from 'node:net';

const BLOCKED = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) BLOCKED.addSubnet(prefix, bits, 'ipv6');

/** Whether `address` (an IP literal) is one a fetch must not reach without the operator's leave. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d) is judged as the IPv4 address it maps.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped ? BLOCKED.check(mapped[1]!, 'ipv4') : BLOCKED.check(address, 'ipv6');
  }
  return true; // not an address at all: refuse
}

/** An IP-literal host (which connects without DNS) that is private or local; names are judged at lookup. */
export const isBlockedLiteral = (host: string): boolean => net.isIP(host) !== 0 && isPrivateAddress(host);

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A `lookup` for http(s).request that resolves as usual and drops (or refuses) private addresses. */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const usable = allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0) {
        return callback(new BlockedAddressError(`${hostname} resolves only to private or local addresses, which web_fetch may not reach`), []);
      }
      if (options.all) return callback(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}
