// The repository of vaults and credentials (the records belong to the domain: domain/records/vault.ts).
import type { CredentialRecord, VaultRecord } from '../domain/records/vault.js';
import type { Page, PageRequest } from './page.js';

export type { CredentialRecord, VaultRecord } from '../domain/records/vault.js';

export interface VaultRepository {
  insertVault(vault: VaultRecord): Promise<void>;
  getVault(workspaceId: string, id: string): Promise<VaultRecord | undefined>;
  updateVault(vault: VaultRecord): Promise<void>;
  /** Deletes the vault and every credential in it. */
  deleteVault(id: string): Promise<void>;
  listVaults(workspaceId: string, includeArchived: boolean, page: PageRequest): Promise<Page<VaultRecord>>;
  /**
   * Inside a transaction: serialises writers of one vault's credentials (a row lock on
   * PostgreSQL; SQLite has one writer), so the active-key and count checks hold when they write.
   */
  lockVault(id: string): Promise<void>;

  /** Throws a unique violation when the credential's key is taken by an active one in its vault. */
  insertCredential(credential: CredentialRecord): Promise<void>;
  getCredential(vaultId: string, id: string): Promise<CredentialRecord | undefined>;
  /** The vault's active credential with this key (see credentialKey), if any. */
  findActiveByKey(vaultId: string, key: string): Promise<CredentialRecord | undefined>;
  countActiveCredentials(vaultId: string): Promise<number>;
  updateCredential(credential: CredentialRecord): Promise<void>;
  deleteCredential(id: string): Promise<void>;
  listCredentials(vaultId: string, includeArchived: boolean, page: PageRequest): Promise<Page<CredentialRecord>>;
  /** The active credentials of these vaults, in the order the ids are given, oldest first within one. */
  activeCredentials(vaultIds: readonly string[]): Promise<CredentialRecord[]>;
  /** Every credential still holding sealed secrets, by id (key rotation walks them). */
  sealedCredentials(afterId: string | undefined, limit: number): Promise<{ id: string; sealedSecrets: string }[]>;
  /** Replaces the sealed secrets only (refreshed tokens, key rotation); updated_at is left alone. */
  setSealedSecrets(id: string, sealed: string): Promise<void>;
}
