// A session's environment-variable credentials as its sandbox and egress proxy use them: read from
// the session's current vaults each time (a rotated secret counts from the next request), the
// first vault in `vault_ids` order winning a name, each with a placeholder of its own.
import { createHash } from 'node:crypto';
import type { EnvCredential } from '../../domain/env-credentials.js';
import type { CredentialHosts } from '../../domain/credential-reach.js';
import type { SessionRecord } from '../../store/types.js';
import { openSecrets } from './credentials.js';
import type { VaultDeps } from './vault-deps.js';

/**
 * What the variable holds inside the sandbox: unique per session and credential, stable across
 * restarts of the sandbox (a program may have saved it), and derived from ids only, so it says
 * nothing about the secret.
 */
export function placeholderFor(sessionId: string, credentialId: string): string {
  const digest = createHash('sha256').update(`agentd-env-credential\0${sessionId}\0${credentialId}`).digest('hex');
  return `agentd_placeholder_${digest.slice(0, 40)}`;
}

/** The session's environment_variable credentials limited to hosts, without opening their secrets. */
export async function sessionCredentialHosts(store: VaultDeps['store'], session: SessionRecord): Promise<CredentialHosts[]> {
  const current = (await store.sessions.get(session.workspaceId, session.id)) ?? session;
  const out: CredentialHosts[] = [];
  for (const c of await store.vaults.activeCredentials(current.vaultIds)) {
    if (c.auth.type !== 'environment_variable' || c.auth.networking.type !== 'limited') continue;
    out.push({ credentialId: c.id, vaultId: c.vaultId, hosts: c.auth.networking.allowedHosts });
  }
  return out;
}

export async function sessionEnvCredentials(deps: VaultDeps, session: SessionRecord): Promise<EnvCredential[]> {
  // The session as it is now: its vault_ids may have changed since the sandbox opened.
  const current = (await deps.store.sessions.get(session.workspaceId, session.id)) ?? session;
  const out: EnvCredential[] = [];
  const named = new Set<string>();
  for (const c of await deps.store.vaults.activeCredentials(current.vaultIds)) {
    if (c.auth.type !== 'environment_variable' || named.has(c.auth.secretName)) continue;
    const value = openSecrets(deps.secrets, c).secretValue;
    if (value === undefined) continue;
    named.add(c.auth.secretName);
    out.push({
      credentialId: c.id,
      name: c.auth.secretName,
      placeholder: placeholderFor(session.id, c.id),
      hosts: c.auth.networking.type === 'limited' ? c.auth.networking.allowedHosts : undefined,
      header: c.auth.injection.header,
      body: c.auth.injection.body,
      value,
    });
  }
  return out;
}
