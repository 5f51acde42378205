// Vault use cases: create, update, archive (archives its credentials too, purging their secrets), delete.
import { newId } from '../../api/ids.js';
import { METADATA_MAX_PAIRS } from '../../api/schemas/common.js';
import type { VaultCreateInput, VaultUpdateInput } from '../../api/schemas/vault.js';
import { applyMetadataPatch } from '../../domain/metadata.js';
import { conflict, invalidRequest, notFound } from '../../errors.js';
import type { Store } from '../../store/types.js';
import type { VaultRecord } from '../../store/vault-types.js';
import type { VaultDeps } from './vault-deps.js';
import { emitWebhook } from '../webhooks/emit.js';

export async function getVault(store: Store, workspaceId: string, id: string): Promise<VaultRecord> {
  const found = await store.vaults.getVault(workspaceId, id);
  if (!found) throw notFound(`vault ${id} not found`);
  return found;
}

export function assertVaultActive(vault: VaultRecord, action: string): void {
  if (vault.archivedAt) throw conflict(`vault ${vault.id} is archived; cannot ${action}`);
}

export async function createVault(deps: VaultDeps, workspaceId: string, input: VaultCreateInput): Promise<VaultRecord> {
  const now = deps.now();
  const vault: VaultRecord = {
    id: newId('vlt'),
    workspaceId,
    displayName: input.display_name,
    metadata: { ...(input.metadata ?? {}) },
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await deps.store.transaction(async (tx) => {
    await tx.vaults.insertVault(vault);
    await emitWebhook(tx, 'vault.created', vault.id, workspaceId, now);
  });
  return vault;
}

export async function updateVault(deps: VaultDeps, workspaceId: string, id: string, input: VaultUpdateInput): Promise<VaultRecord> {
  return deps.store.transaction(async (tx) => {
    const current = await getVault(tx, workspaceId, id);
    assertVaultActive(current, 'update it');
    const metadata = applyMetadataPatch(current.metadata, input.metadata);
    if (Object.keys(metadata).length > METADATA_MAX_PAIRS) {
      throw invalidRequest(`metadata: at most ${METADATA_MAX_PAIRS} metadata pairs are allowed after the change`);
    }
    const next = { ...current, displayName: input.display_name ?? current.displayName, metadata };
    if (next.displayName === current.displayName && JSON.stringify(metadata) === JSON.stringify(current.metadata)) return current;
    const updated = { ...next, updatedAt: deps.now() };
    await tx.vaults.updateVault(updated);
    return updated;
  });
}

/** Archiving is permanent; the vault's credentials are archived with it (their secrets purged). */
export async function archiveVault(deps: VaultDeps, workspaceId: string, id: string): Promise<VaultRecord> {
  return deps.store.transaction(async (tx) => {
    const current = await getVault(tx, workspaceId, id);
    if (current.archivedAt) return current;
    await tx.vaults.lockVault(id);
    const now = deps.now();
    for (const c of await tx.vaults.activeCredentials([id])) {
      await tx.vaults.updateCredential({ ...c, sealedSecrets: null, archivedAt: now, updatedAt: now });
      await emitWebhook(tx, 'vault_credential.archived', c.id, workspaceId, now);
    }
    const archived = { ...current, archivedAt: now, updatedAt: now };
    await tx.vaults.updateVault(archived);
    await emitWebhook(tx, 'vault.archived', id, workspaceId, now);
    return archived;
  });
}

export async function deleteVault(deps: VaultDeps, workspaceId: string, id: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await getVault(tx, workspaceId, id);
    await tx.vaults.deleteVault(id);
    await emitWebhook(tx, 'vault.deleted', id, workspaceId, deps.now());
  });
}
