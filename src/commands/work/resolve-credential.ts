// Resolves a presented bearer string that is not an API key: an environment key or a session token.
import type { Principal } from '../../domain/principal.js';
import type { Store } from '../../store/types.js';
import { credentialDigest, ENVIRONMENT_KEY_PREFIX, WORK_TOKEN_PREFIX } from '../../work/work-credentials.js';

export async function resolveWorkerCredential(store: Store, presented: string): Promise<Principal | undefined> {
  if (presented.startsWith(ENVIRONMENT_KEY_PREFIX)) {
    const key = await store.environmentKeys.findByDigest(credentialDigest(presented));
    if (!key) return undefined;
    // A key outlives nothing: once its environment is deleted it authenticates nobody.
    const env = await store.environments.get(key.workspaceId, key.environmentId);
    if (!env) return undefined;
    return { kind: 'environment_key', workspaceId: key.workspaceId, environmentId: key.environmentId, keyId: key.id };
  }
  if (presented.startsWith(WORK_TOKEN_PREFIX)) {
    const token = await store.work.findToken(credentialDigest(presented));
    const item = token && (await store.work.find(token.workId));
    if (!token || !item) return undefined;
    return {
      kind: 'work_token',
      workspaceId: item.workspaceId,
      environmentId: item.environmentId,
      workId: item.id,
      sessionId: item.sessionId,
      claim: token.claim,
      current: token.claim === item.claim && item.state !== 'stopped',
    };
  }
  return undefined;
}
