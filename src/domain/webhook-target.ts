// Where webhooks may be sent: http(s) URLs, with loopback and private addresses refused unless
// the operator allows them (AGENTD_WEBHOOK_PRIVATE_TARGETS). Which kind an address is: src/net/private-address.ts.

export type PrivateTargets = 'refuse' | 'loopback' | 'allow';

export type AddressKind = 'loopback' | 'private' | 'public';

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
