// The vaults a session uses (`vault_ids` on create and update): each must exist in the session's
// workspace, be active, and be given once. Environment-variable credentials need substitution at
// the egress proxy, which agentd does not do yet: a vault holding one is refused (400 naming it)
// rather than attached and silently ignored.
import { invalidRequest } from '../../errors.js';
import type { Store } from '../../store/types.js';

export async function checkSessionVaults(store: Store, workspaceId: string, ids: readonly string[], field = 'vault_ids'): Promise<string[]> {
  const seen = new Set<string>();
  for (const [i, id] of ids.entries()) {
    const at = `${field}[${i}]`;
    if (seen.has(id)) throw invalidRequest(`${at}: vault ${id} is listed twice`);
    seen.add(id);
    const vault = await store.vaults.getVault(workspaceId, id);
    if (!vault) throw invalidRequest(`${at}: vault ${id} not found`);
    if (vault.archivedAt) throw invalidRequest(`${at}: vault ${id} is archived`);
    const envVars = (await store.vaults.activeCredentials([id])).flatMap((c) =>
      c.auth.type === 'environment_variable' ? [c.auth.secretName] : [],
    );
    if (envVars.length > 0) {
      throw invalidRequest(
        `${at}: vault ${id} holds environment_variable credentials (${envVars.join(', ')}); this agentd version cannot ` +
          'substitute them at the egress proxy yet, so sessions cannot use them (archive them, or use a vault without them)',
      );
    }
  }
  return [...ids];
}
