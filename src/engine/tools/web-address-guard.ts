// Which addresses a model-steered fetch may connect to: never loopback, link-local, private,
// unique-local, CGNAT, multicast or unspecified ones unless the operator allows them
// (AGENTD_WEB_FETCH_ALLOW_PRIVATE). Checked on every resolved address, at connect time, so a DNS
// answer that changes between check and connect (rebinding) cannot slip through.
import dns from 'node:dns';
import net from 'node:net';
import { isPrivateAddress as isPrivateIp } from '../../net/private-address.js';

/** Whether `address` (an IP literal) is one a fetch must not reach without the operator's leave (the ranges and the
 * IPv6 forms of IPv4 hosts: src/net/private-address.ts, shared with every outbound check). */
export function isPrivateAddress(address: string): boolean {
  return net.isIP(address) === 0 ? true : isPrivateIp(address); // not an address at all: refuse
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
