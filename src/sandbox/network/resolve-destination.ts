// The resolver step in front of every connection the server opens on a sandbox's behalf: resolve
// the name once, refuse it if ANY answer is a blocked address (a name must not be a way to the
// host or the private network), and hand back the checked address to connect to, so a second
// lookup cannot answer differently (DNS rebinding).
import dns from 'node:dns/promises';
import { blockedDestination, parseAddress, type DestinationRules } from './destination-policy.js';

export type Resolved = { ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string };

export async function resolveDestination(host: string, rules: DestinationRules): Promise<Resolved> {
  let answers: Array<{ address: string; family: number }>;
  if (parseAddress(host)) {
    answers = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    try {
      answers = await dns.lookup(host, { all: true, verbatim: true });
    } catch (err) {
      return { ok: false, reason: `"${host}" could not be resolved (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
    }
  }
  for (const a of answers) {
    const why = blockedDestination(a.address, rules);
    if (why) return { ok: false, reason: `"${host}" resolves to ${a.address}, ${why}, which sandboxes may not reach` };
  }
  const first = answers[0];
  if (!first) return { ok: false, reason: `"${host}" has no addresses` };
  return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
}
