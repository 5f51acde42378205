// fetch for requests agentd makes towards hosts that API users configure (MCP servers, OAuth token
// endpoints): unless the operator allows private networks, a host that is, or resolves to, a
// loopback, link-local or private address is refused — checked on the addresses actually
// connected to, so DNS answers cannot steer around it.
import dns from 'node:dns';
import { isIP } from 'node:net';
import { isPrivateAddress } from './private-address.js';

export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export class PrivateAddressError extends Error {
  constructor(host: string, address: string, setting: string) {
    super(`refusing to connect to ${host} (${address}): a loopback, link-local or private address (the operator can allow it with ${setting}=true)`);
    this.name = 'PrivateAddressError';
  }
}

export interface GuardOptions {
  /** The operator allows private addresses. */
  allowPrivate: boolean;
  /** The setting that allows them, named in refusals. */
  setting: string;
  /** Which addresses are refused (isPrivateAddress; a test names a loopback address it may treat as a public host). */
  isPrivate?: (address: string) => boolean;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

export function guardedFetch(opts: GuardOptions): Fetch {
  if (opts.allowPrivate) return (input, init) => fetch(input, init);
  const isPrivate = opts.isPrivate ?? isPrivateAddress;
  /** An address-literal host (net.connect skips `lookup` for one) that is refused; names are judged at lookup. */
  const refusedLiteral = (hostname: string): PrivateAddressError | undefined => {
    const host = hostname.replace(/^\[|\]$/g, '');
    return isIP(host) !== 0 && isPrivate(host) ? new PrivateAddressError(host, host, opts.setting) : undefined;
  };
  const lookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = addresses.find((a) => isPrivate(a.address));
      if (bad) return callback(new PrivateAddressError(hostname, bad.address, opts.setting), []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
  // undici is loaded at the first request (not at start-up: most servers make none).
  let client: Promise<{ dispatcher: import('undici').Agent; fetch: typeof import('undici').fetch }> | undefined;
  const undici = () =>
    (client ??= import('undici').then(({ Agent, buildConnector, fetch }) => {
      // Every connection is checked, a redirect's included: an address literal never reaches `lookup` (net.connect
      // skips it), so a 307 to http://169.254.169.254/ from an allowed host was followed.
      const connector = buildConnector({ lookup: lookup as never });
      const connect: typeof connector = (options, callback) => {
        const refused = refusedLiteral(options.hostname);
        return refused ? callback(refused, null) : connector(options, callback);
      };
      return { dispatcher: new Agent({ connect }), fetch };
    }));
  return async (input, init) => {
    const url = new URL(String(input));
    const refused = refusedLiteral(url.hostname);
    if (refused) throw refused;
    const { dispatcher, fetch: undiciFetch } = await undici();
    return (await undiciFetch(url, { ...(init as object), dispatcher } as never)) as unknown as Response;
  };
}
