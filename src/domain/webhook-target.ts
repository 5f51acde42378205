// Where webhooks may be sent: http(s) URLs, with loopback and private addresses refused unless
// the operator allows them (AGENTD_WEBHOOK_PRIVATE_TARGETS). Address classification is pure.

export type PrivateTargets = 'refuse' | 'loopback' | 'allow';

export type AddressKind = 'loopback' | 'private' | 'public';

function ipv4Kind(a: number, b: number): AddressKind {
  if (a === 127) return 'loopback';
  if (a === 10 || a === 0) return 'private';
  if (a === 169 && b === 254) return 'private'; // link-local (cloud metadata services)
  if (a === 172 && b >= 16 && b <= 31) return 'private';
  if (a === 192 && b === 168) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT
  if (a >= 224) return 'private'; // multicast, reserved, broadcast
  return 'public';
}

/** Classifies an IP address literal (v4 or v6); undefined if `ip` is not one. */
export function addressKind(ip: string): AddressKind | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return ipv4Kind(parts[0]!, parts[1]!);
  }
  if (!ip.includes(':')) return undefined;
  const lower = ip.toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return addressKind(mapped[1]!);
  if (lower === '::1') return 'loopback';
  if (lower === '::') return 'private';
  if (/^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || /^ff/.test(lower)) return 'private';
  return 'public';
}

/** Whether a delivery may go to `ip` under the operator's setting. */
export function targetAllowed(kind: AddressKind, setting: PrivateTargets): boolean {
  if (kind === 'public' || setting === 'allow') return true;
  return setting === 'loopback' && kind === 'loopback';
}

/** Checks a URL's form; the message names what is wrong, or undefined when it is usable. */
export function checkWebhookUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  return undefined;
}
