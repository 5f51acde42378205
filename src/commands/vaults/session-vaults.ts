// The vaults a session uses (`vault_ids` on create and update): each must exist in the session's
// workspace, be active, and be given once. Environment-variable credentials are substituted by
// agentd's egress proxy in front of a bubblewrap sandbox; where a session's tools run elsewhere
// (self_hosted workers, AGENTD_SANDBOX=none) a vault holding one is refused (400 naming it)
// rather than attached and silently ignored, as is a variable name agentd reserves.
import { RESERVED_SANDBOX_VARIABLES } from '../../domain/env-credentials.js';
import { invalidRequest } from '../../errors.js';
import type { EnvironmentRecord, Store } from '../../store/types.js';

/** Why sessions in `environment` on this server cannot use environment-variable credentials, or undefined when they can. */
export function envCredentialsRefusal(environment: EnvironmentRecord | undefined, serverRefusal: string | undefined): string | undefined {
  if (environment?.config.type === 'self_hosted') {
    return `environment ${environment.id} is self_hosted: its tools run on your own workers, outside the egress proxy that substitutes these variables`;
  }
  return serverRefusal;
}

export async function checkSessionVaults(store: Store, workspaceId: string, ids: readonly string[], envRefusal?: string): Promise<string[]> {
  const seen = new Set<string>();
  for (const [i, id] of ids.entries()) {
    const at = `vault_ids[${i}]`;
    if (seen.has(id)) throw invalidRequest(`${at}: vault ${id} is listed twice`);
    seen.add(id);
    const vault = await store.vaults.getVault(workspaceId, id);
    if (!vault) throw invalidRequest(`${at}: vault ${id} not found`);
    if (vault.archivedAt) throw invalidRequest(`${at}: vault ${id} is archived`);
    const envVars = (await store.vaults.activeCredentials([id])).flatMap((c) =>
      c.auth.type === 'environment_variable' ? [c.auth.secretName] : [],
    );
    if (envVars.length > 0 && envRefusal) {
      throw invalidRequest(
        `${at}: vault ${id} holds environment_variable credentials (${envVars.join(', ')}), which this session cannot use: ${envRefusal} ` +
          '(archive them, or use a vault without them)',
      );
    }
    const reserved = envVars.filter((n) => RESERVED_SANDBOX_VARIABLES.has(n));
    if (reserved.length > 0) {
      throw invalidRequest(`${at}: vault ${id} holds environment_variable credentials named ${reserved.join(', ')}, a name agentd sets in every sandbox`);
    }
  }
  return [...ids];
}
