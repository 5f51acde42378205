// Wires environment-variable credentials into local sandboxes: the sandbox provider starts before
// the store and the secret box are open, so it gets a source that reads them once they are.
import { sessionEnvCredentials } from '../commands/vaults/env-credentials.js';
import type { VaultDeps } from '../commands/vaults/vault-deps.js';
import type { EnvCredentialSource } from '../sandbox/bubblewrap/bubblewrap-sandbox.js';

export function lateEnvCredentialSource(deps: () => VaultDeps | undefined): EnvCredentialSource {
  return {
    forSession: async (session) => {
      const d = deps();
      if (!d) throw new Error('the store is not open yet');
      return sessionEnvCredentials(d, session);
    },
  };
}
