// Which destination addresses a sandbox's traffic may reach, whatever its networking mode: never
// the host itself (its loopback, its interface addresses), link-local (cloud metadata at
// 169.254.169.254), private, shared, multicast or reserved ranges, unless the operator exempts a
// network (AGENTD_SANDBOX_ALLOWED_NETWORKS). Pure: addresses in, decisions and route plans out.

/** An IPv4 or IPv6 network, as a bigint prefix of the address's bits. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
  readonly text: string;
}

export interface DestinationRules {
  /** The host's own interface addresses (all of them are the host, whatever their range). */
  readonly hostAddresses: readonly string[];
  /** Operator-exempted networks (AGENTD_SANDBOX_ALLOWED_NETWORKS). */
  readonly allowedNetworks: readonly Cidr[];
}

/** Ranges no sandbox traffic may reach, with the reason given when one is hit. */
export const BLOCKED_RANGES: ReadonlyArray<readonly [string, string]> = [
  ['0.0.0.0/8', 'this host ("this network")'],
  ['127.0.0.0/8', 'the host loopback'],
  ['10.0.0.0/8', 'a private network'],
  ['172.16.0.0/12', 'a private network'],
  ['192.168.0.0/16', 'a private network'],
  ['100.64.0.0/10', 'shared address space (carrier-grade NAT)'],
  ['169.254.0.0/16', 'link-local (cloud metadata services)'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'a documentation range'],
  ['198.18.0.0/15', 'a benchmarking range'],
  ['198.51.100.0/24', 'a documentation range'],
  ['203.0.113.0/24', 'a documentation range'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'a reserved range'],
  ['::/128', 'the unspecified address'],
  ['::1/128', 'the host loopback'],
  ['::ffff:0:0/96', 'an IPv4-mapped address'],
  ['64:ff9b::/96', 'a NAT64 address'],
  ['fc00::/7', 'a private network (unique local)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'a documentation range'],
];

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(p));
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let s = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]!);
    if (v4 === undefined) return undefined;
    s = s.slice(0, -dotted[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

/** An address as family and bits, or undefined when it is not a literal IP address. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = text.includes(':') ? parseIpv6(text) : undefined;
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** `a.b.c.d/n`, `v6::/n` or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined || !addr) return undefined;
  const parsed = parseAddress(addr);
  if (!parsed) return undefined;
  const width = parsed.family === 4 ? 32 : 128;
  const bits = len === undefined ? width : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  const shift = BigInt(width - bits);
  return { family: parsed.family, base: (parsed.value >> shift) << shift, bits, text: text.trim() };
}

function contains(cidr: Cidr, family: 4 | 6, value: bigint): boolean {
  if (cidr.family !== family) return false;
  const shift = BigInt((family === 4 ? 32 : 128) - cidr.bits);
  return value >> shift === cidr.base >> shift;
}

const BLOCKED: ReadonlyArray<readonly [Cidr, string]> = BLOCKED_RANGES.map(([c, why]) => [parseCidr(c)!, why] as const);

/**
 * Why `address` may not be reached (a sentence fragment), or undefined when it may. Anything that
 * is not a literal IP address is refused: names must be resolved (and their answers checked) first.
 */
export function blockedDestination(address: string, rules: DestinationRules): string | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return 'not an IP address';
  if (rules.allowedNetworks.some((n) => contains(n, parsed.family, parsed.value))) return undefined;
  const range = BLOCKED.find(([cidr]) => contains(cidr, parsed.family, parsed.value))?.[1];
  if (range) return range;
  for (const host of rules.hostAddresses) {
    const h = parseAddress(host);
    if (h && h.family === parsed.family && h.value === parsed.value) return "one of the host's own addresses";
  }
  return undefined;
}

/** The IPv4 addressing slirp4netns gives a sandbox (`--configure`). */
export const SLIRP = { device: 'tap0', gateway: '10.0.2.2', dns: '10.0.2.3', address: '10.0.2.100', network: '10.0.2.0/24' } as const;

/**
 * `ip -batch` lines that make a sandbox's own network namespace refuse every blocked IPv4
 * destination locally (a `prohibit` route answers EACCES/EHOSTUNREACH before a packet leaves).
 * slirp4netns's own network stays reachable only for its DNS forwarder; its gateway (the host's
 * loopback) is prohibited too. Operator-allowed networks get a route through the gateway, which is
 * more specific than the prohibit routes it punches through. IPv6 has no route out at all.
 */
export function sandboxRoutePlan(rules: DestinationRules): string[] {
  const lines: string[] = [];
  for (const [cidr] of BLOCKED) if (cidr.family === 4) lines.push(`route add prohibit ${cidrText(cidr)}`);
  for (const host of rules.hostAddresses) {
    const h = parseAddress(host);
    if (h?.family === 4) lines.push(`route replace prohibit ${host}/32`);
  }
  lines.push(`route replace prohibit ${SLIRP.gateway}/32`);
  for (const n of rules.allowedNetworks) {
    // Loopback is the sandbox's own inside its namespace: host loopback is reached only via AGENTD_SANDBOX_HOST_PORTS.
    if (n.family !== 4 || contains(parseCidr('127.0.0.0/8')!, 4, n.base)) continue;
    lines.push(`route replace ${cidrText(n)} via ${SLIRP.gateway} dev ${SLIRP.device} onlink`);
  }
  return lines;
}

function cidrText(c: Cidr): string {
  const v = c.base;
  return `${[24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.')}/${c.bits}`;
}
