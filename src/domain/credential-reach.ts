// Environment-variable credentials whose hosts the session's environment cannot reach: under
// `limited` networking the egress proxy never widens where a sandbox may go, so a secret meant for
// such a host is never sent. The session says so once per credential (session.error
// credential_host_unreachable_error) instead of leaving the tool's requests to fail unexplained.
import type { LogChanges, ChangeEnv } from './changes/log-changes.js';
import { noChanges } from './changes/log-changes.js';
import { engineEvent } from './changes/engine-event.js';
import type { ThreadState } from './session-state.js';
import { retryStatus } from './retry-status.js';

/** A session's environment_variable credential limited to hosts (`networking.allowed_hosts`). */
export interface CredentialHosts {
  credentialId: string;
  vaultId: string;
  hosts: readonly string[];
}

/**
 * The credentials with hosts `allows` (the environment's policy) refuses, with those hosts. A
 * `*.example.com` pattern counts as reachable when a subdomain of it is.
 */
export function unreachableCredentialHosts(creds: readonly CredentialHosts[], allows: (host: string) => boolean): CredentialHosts[] {
  const out: CredentialHosts[] = [];
  for (const c of creds) {
    const hosts = c.hosts.filter((h) => !allows(h.startsWith('*.') ? `agentd-probe${h.slice(1)}` : h));
    if (hosts.length > 0) out.push({ ...c, hosts });
  }
  return out;
}

/** One session.error per credential (`retrying`: the session keeps running; requests to those hosts stay blocked). */
export function credentialHostErrors(t: ThreadState, unreachable: readonly CredentialHosts[], env: ChangeEnv): LogChanges {
  return {
    ...noChanges(env.at),
    events: unreachable.map((c) =>
      engineEvent(
        'session.error',
        {
          error: {
            type: 'credential_host_unreachable_error',
            credential_id: c.credentialId,
            vault_id: c.vaultId,
            message:
              `credential ${c.credentialId} may send its secret to ${c.hosts.join(', ')}, which the environment's limited networking ` +
              `does not allow, so requests there are blocked; add the host to the environment's allowed_hosts or remove it from the credential`,
            retry_status: retryStatus('goes_on'),
          },
        },
        env,
        { thread: t.id },
      ),
    ),
  };
}
