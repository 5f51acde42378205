// Vaults and their credentials. Secrets arrive and leave sealed; this layer never sees them in clear.
import type { Kysely, Selectable } from 'kysely';
import { credentialKey, type CredentialAuthConfig } from '../../domain/records/vault.js';
import type { Page, PageRequest } from '../page.js';
import type { CredentialRecord, VaultRecord, VaultRepository } from '../vault-types.js';
import type { Database } from './schema.js';
import type { VaultCredentialsTable, VaultsTable } from './vault-schema.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage } from './paging.js';

const toVault = (r: Selectable<VaultsTable>): VaultRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  displayName: r.display_name,
  metadata: fromJson(r.metadata),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  archivedAt: r.archived_at,
});

const toCredential = (r: Selectable<VaultCredentialsTable>): CredentialRecord => ({
  id: r.id,
  vaultId: r.vault_id,
  workspaceId: r.workspace_id,
  displayName: r.display_name,
  metadata: fromJson(r.metadata),
  auth: fromJson<CredentialAuthConfig>(r.auth),
  sealedSecrets: r.sealed_secrets,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  archivedAt: r.archived_at,
});

export class KyselyVaultRepository implements VaultRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertVault(v: VaultRecord): Promise<void> {
    await this.db
      .insertInto('vaults')
      .values({
        id: v.id,
        workspace_id: v.workspaceId,
        display_name: v.displayName,
        metadata: toJson(v.metadata),
        write_revision: 0,
        created_at: v.createdAt,
        updated_at: v.updatedAt,
        archived_at: v.archivedAt,
      })
      .execute();
  }

  async getVault(workspaceId: string, id: string): Promise<VaultRecord | undefined> {
    const row = await this.db
      .selectFrom('vaults')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toVault(row);
  }

  async updateVault(v: VaultRecord): Promise<void> {
    await this.db
      .updateTable('vaults')
      .set({ display_name: v.displayName, metadata: toJson(v.metadata), updated_at: v.updatedAt, archived_at: v.archivedAt })
      .where('id', '=', v.id)
      .execute();
  }

  async deleteVault(id: string): Promise<void> {
    await this.db.deleteFrom('vault_credentials').where('vault_id', '=', id).execute();
    await this.db.deleteFrom('vaults').where('id', '=', id).execute();
  }

  async listVaults(workspaceId: string, includeArchived: boolean, page: PageRequest): Promise<Page<VaultRecord>> {
    let q = this.db.selectFrom('vaults').selectAll().where('workspace_id', '=', workspaceId);
    if (!includeArchived) q = q.where('archived_at', 'is', null);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toVault);
  }

  async lockVault(id: string): Promise<void> {
    await this.db
      .updateTable('vaults')
      .set((eb) => ({ write_revision: eb('write_revision', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  async insertCredential(c: CredentialRecord): Promise<void> {
    await this.db
      .insertInto('vault_credentials')
      .values({
        id: c.id,
        vault_id: c.vaultId,
        workspace_id: c.workspaceId,
        display_name: c.displayName,
        metadata: toJson(c.metadata),
        auth_type: c.auth.type,
        credential_key: credentialKey(c.auth),
        auth: toJson(c.auth),
        sealed_secrets: c.sealedSecrets,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
        archived_at: c.archivedAt,
      })
      .execute();
  }

  async getCredential(vaultId: string, id: string): Promise<CredentialRecord | undefined> {
    const row = await this.db
      .selectFrom('vault_credentials')
      .selectAll()
      .where('vault_id', '=', vaultId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toCredential(row);
  }

  async findActiveByKey(vaultId: string, key: string): Promise<CredentialRecord | undefined> {
    const row = await this.db
      .selectFrom('vault_credentials')
      .selectAll()
      .where('vault_id', '=', vaultId)
      .where('credential_key', '=', key)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    return row && toCredential(row);
  }

  async countActiveCredentials(vaultId: string): Promise<number> {
    const row = await this.db
      .selectFrom('vault_credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('vault_id', '=', vaultId)
      .where('archived_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async updateCredential(c: CredentialRecord): Promise<void> {
    await this.db
      .updateTable('vault_credentials')
      .set({
        display_name: c.displayName,
        metadata: toJson(c.metadata),
        auth: toJson(c.auth),
        sealed_secrets: c.sealedSecrets,
        updated_at: c.updatedAt,
        archived_at: c.archivedAt,
      })
      .where('id', '=', c.id)
      .execute();
  }

  async deleteCredential(id: string): Promise<void> {
    await this.db.deleteFrom('vault_credentials').where('id', '=', id).execute();
  }

  async listCredentials(vaultId: string, includeArchived: boolean, page: PageRequest): Promise<Page<CredentialRecord>> {
    let q = this.db.selectFrom('vault_credentials').selectAll().where('vault_id', '=', vaultId);
    if (!includeArchived) q = q.where('archived_at', 'is', null);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toCredential);
  }

  async activeCredentials(vaultIds: readonly string[]): Promise<CredentialRecord[]> {
    if (vaultIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('vault_credentials')
      .selectAll()
      .where('vault_id', 'in', [...vaultIds])
      .where('archived_at', 'is', null)
      .orderBy('id')
      .execute();
    const order = new Map(vaultIds.map((id, i) => [id, i]));
    return rows.map(toCredential).sort((a, b) => order.get(a.vaultId)! - order.get(b.vaultId)!);
  }

  async sealedCredentials(afterId: string | undefined, limit: number): Promise<{ id: string; sealedSecrets: string }[]> {
    let q = this.db
      .selectFrom('vault_credentials')
      .select(['id', 'sealed_secrets'])
      .where('sealed_secrets', 'is not', null);
    if (afterId !== undefined) q = q.where('id', '>', afterId);
    const rows = await q.orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, sealedSecrets: r.sealed_secrets! }));
  }

  async setSealedSecrets(id: string, sealed: string): Promise<void> {
    await this.db.updateTable('vault_credentials').set({ sealed_secrets: sealed }).where('id', '=', id).execute();
  }
}
