// Credential use cases. Secrets are sealed before they reach the store and never returned.
import { newId } from '../../api/ids.js';
import { METADATA_MAX_PAIRS } from '../../api/schemas/common.js';
import type { CredentialCreateInput, CredentialUpdateInput } from '../../api/schemas/vault.js';
import { applyAuthUpdate, authFromCreate } from '../../domain/credential-auth.js';
import { applyMetadataPatch } from '../../domain/metadata.js';
import { credentialKey, type CredentialAuthConfig, type CredentialSecrets } from '../../domain/records/vault.js';
import { conflict, invalidRequest, notFound } from '../../errors.js';
import type { Store } from '../../store/types.js';
import type { CredentialRecord } from '../../store/vault-types.js';
import type { VaultDeps } from './vault-deps.js';
import { assertVaultActive, getVault } from './vaults.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { emitWebhook } from '../webhooks/emit.js';

/** Active credentials a vault may hold (archived ones do not count). */
export const CREDENTIALS_PER_VAULT_MAX = 20;

export async function getCredential(store: Store, workspaceId: string, vaultId: string, id: string): Promise<CredentialRecord> {
  await getVault(store, workspaceId, vaultId);
  const found = await store.vaults.getCredential(vaultId, id);
  if (!found) throw notFound(`credential ${id} not found in vault ${vaultId}`);
  return found;
}

export function openSecrets(box: SecretBox, c: CredentialRecord): CredentialSecrets {
  return c.sealedSecrets === null ? {} : (JSON.parse(box.open(c.sealedSecrets, c.id)) as CredentialSecrets);
}

export const sealSecrets = (box: SecretBox, id: string, secrets: CredentialSecrets): string =>
  box.seal(JSON.stringify(secrets), id);

function keyTaken(auth: CredentialAuthConfig, vaultId: string) {
  const what = auth.type === 'environment_variable' ? `secret_name "${auth.secretName}"` : `mcp_server_url ${auth.mcpServerUrl}`;
  const field = auth.type === 'environment_variable' ? 'auth.secret_name' : 'auth.mcp_server_url';
  return conflict(`${field}: vault ${vaultId} already has an active credential for ${what}; archive it first`);
}

export async function createCredential(
  deps: VaultDeps,
  workspaceId: string,
  vaultId: string,
  input: CredentialCreateInput,
): Promise<CredentialRecord> {
  const now = deps.now();
  const { auth, secrets } = authFromCreate(input.auth, now);
  const id = newId('vcrd');
  const record: CredentialRecord = {
    id,
    vaultId,
    workspaceId,
    displayName: input.display_name ?? null,
    metadata: { ...(input.metadata ?? {}) },
    auth,
    sealedSecrets: sealSecrets(deps.secrets, id, secrets),
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  return deps.store.transaction(async (tx) => {
    const vault = await getVault(tx, workspaceId, vaultId);
    assertVaultActive(vault, 'add credentials');
    await tx.vaults.lockVault(vaultId);
    if (await tx.vaults.findActiveByKey(vaultId, credentialKey(auth))) throw keyTaken(auth, vaultId);
    if ((await tx.vaults.countActiveCredentials(vaultId)) >= CREDENTIALS_PER_VAULT_MAX) {
      throw invalidRequest(`vault ${vaultId} already holds ${CREDENTIALS_PER_VAULT_MAX} active credentials (the maximum)`);
    }
    await tx.vaults.insertCredential(record);
    await emitWebhook(tx, 'vault_credential.created', record.id, workspaceId, now);
    return record;
  });
}

export async function updateCredential(
  deps: VaultDeps,
  workspaceId: string,
  vaultId: string,
  id: string,
  input: CredentialUpdateInput,
): Promise<CredentialRecord> {
  return deps.store.transaction(async (tx) => {
    const current = await getCredential(tx, workspaceId, vaultId, id);
    if (current.archivedAt) throw conflict(`credential ${id} is archived; archived credentials cannot be updated`);
    let { auth, sealedSecrets } = current;
    if (input.auth) {
      const next = applyAuthUpdate({ auth, secrets: openSecrets(deps.secrets, current) }, input.auth, deps.now());
      auth = next.auth;
      sealedSecrets = sealSecrets(deps.secrets, id, next.secrets);
    }
    const metadata = applyMetadataPatch(current.metadata, input.metadata);
    if (Object.keys(metadata).length > METADATA_MAX_PAIRS) {
      throw invalidRequest(`metadata: at most ${METADATA_MAX_PAIRS} metadata pairs are allowed after the change`);
    }
    const updated: CredentialRecord = {
      ...current,
      displayName: input.display_name ?? current.displayName,
      metadata,
      auth,
      sealedSecrets,
      updatedAt: deps.now(),
    };
    await tx.vaults.updateCredential(updated);
    return updated;
  });
}

/** Archiving purges the secret and frees the credential's key for a replacement. */
export async function archiveCredential(deps: VaultDeps, workspaceId: string, vaultId: string, id: string): Promise<CredentialRecord> {
  return deps.store.transaction(async (tx) => {
    const current = await getCredential(tx, workspaceId, vaultId, id);
    if (current.archivedAt) return current;
    const now = deps.now();
    const archived = { ...current, sealedSecrets: null, archivedAt: now, updatedAt: now };
    await tx.vaults.updateCredential(archived);
    await emitWebhook(tx, 'vault_credential.archived', id, workspaceId, now);
    return archived;
  });
}

export async function deleteCredential(deps: VaultDeps, workspaceId: string, vaultId: string, id: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await getCredential(tx, workspaceId, vaultId, id);
    await tx.vaults.deleteCredential(id);
    await emitWebhook(tx, 'vault_credential.deleted', id, workspaceId, deps.now());
  });
}
