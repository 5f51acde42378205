// Which addresses count as private for outbound requests agentd makes towards hosts that agents or API users name
// (MCP servers, OAuth token endpoints, webhooks): loopback, link-local, private, shared, unspecified and the like,
// in whatever form an address names them (an IPv6 address carrying an IPv4 one is judged as the IPv4 one).
import { BlockList, isIP } from 'node:net';
import type { AddressKind } from '../domain/webhook-target.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** Whether groups [from, to) are all zero. */
const allZero = (groups: readonly number[], from: number, to: number) => groups.slice(from, to).every((x) => x === 0);

/** An IPv6 address's eight 16-bit groups (the `::` expanded, a dotted IPv4 tail as two groups); undefined if not one. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const [head, tail] = text.split('::') as [string, string | undefined];
  if (tail === undefined) return parse(head);
  const h = parse(head);
  const t = parse(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/**
 * The IPv4 address an IPv6 one stands for, dotted: IPv4-mapped (::ffff:0:0/96, in any spelling, e.g. ::ffff:7f00:1),
 * IPv4-compatible (::/96), NAT64's well-known prefix (64:ff9b::/96) and 6to4 (2002::/16) all reach that IPv4 host.
 */
export function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const dotted = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (allZero(g, 0, 5) && (g[5] === 0xffff || g[5] === 0)) return dotted(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && allZero(g, 2, 6)) return dotted(g[6]!, g[7]!);
  if (g[0] === 0x2002) return dotted(g[1]!, g[2]!);
  return undefined;
}

/** True for an address a model-steerable request must not reach unless the operator allows it. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // An IPv6 address carrying an IPv4 one is judged as that IPv4 address (where it leads).
    const v4 = embeddedIpv4(address);
    return v4 !== undefined ? blocked.check(v4, 'ipv4') : blocked.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
}

/**
 * How a webhook target's address counts under AGENTD_WEBHOOK_PRIVATE_TARGETS (`[…]` brackets allowed); undefined
 * when `ip` is not an IP address literal.
 */
export function addressKind(ip: string): AddressKind | undefined {
  const host = ip.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  if (family === 0) return undefined;
  const groups = ipv6Groups(host);
  if (groups && allZero(groups, 0, 7) && groups[7] === 1) return 'loopback'; // ::1
  const v4 = family === 4 ? host : embeddedIpv4(host);
  if (v4 !== undefined && v4.startsWith('127.')) return 'loopback';
  return isPrivateAddress(host) ? 'private' : 'public';
}

