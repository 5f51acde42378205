// Environment keys: created (shown once), listed by hint, revoked. An agentd extension: the hosted
// platform issues them from its Console.
import { newId } from '../../api/ids.js';
import { invalidRequest, notFound } from '../../errors.js';
import type { Store } from '../../store/types.js';
import type { EnvironmentKeyRecord } from '../../store/work-types.js';
import { getEnvironment } from '../environments.js';
import { credentialDigest, ENVIRONMENT_KEY_PREFIX, newCredential } from '../../work/work-credentials.js';

export async function createEnvironmentKey(
  store: Store,
  now: string,
  workspaceId: string,
  environmentId: string,
): Promise<{ record: EnvironmentKeyRecord; key: string }> {
  const env = await getEnvironment(store, workspaceId, environmentId);
  if (env.config.type !== 'self_hosted') {
    throw invalidRequest(`environment ${env.id} is a ${env.config.type} environment; environment keys are for self_hosted environments`);
  }
  if (env.archivedAt) throw invalidRequest(`environment ${env.id} is archived`, 'environment_archived');
  const key = newCredential(ENVIRONMENT_KEY_PREFIX);
  const record: EnvironmentKeyRecord = {
    id: newId('envkey'),
    workspaceId,
    environmentId: env.id,
    digest: credentialDigest(key),
    hint: key.slice(-4),
    createdAt: now,
  };
  await store.environmentKeys.insert(record);
  return { record, key };
}

export async function listEnvironmentKeys(store: Store, workspaceId: string, environmentId: string): Promise<EnvironmentKeyRecord[]> {
  const env = await getEnvironment(store, workspaceId, environmentId);
  return store.environmentKeys.list(env.id);
}

export async function revokeEnvironmentKey(store: Store, workspaceId: string, environmentId: string, keyId: string): Promise<void> {
  const env = await getEnvironment(store, workspaceId, environmentId);
  if (!(await store.environmentKeys.delete(env.id, keyId))) {
    throw notFound(`environment key ${keyId} not found in environment ${env.id}`);
  }
}
