// Table shapes of vaults and credentials (migration 060).
export interface VaultsTable {
  id: string;
  workspace_id: string;
  display_name: string;
  metadata: string;
  /** Bumped by every credential write: the row lock that serialises a vault's writers. */
  write_revision: number;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface VaultCredentialsTable {
  id: string;
  vault_id: string;
  workspace_id: string;
  display_name: string | null;
  metadata: string;
  auth_type: string;
  /** `mcp:<url>` or `env:<secret_name>`; unique among a vault's active credentials (partial index). */
  credential_key: string;
  /** The public auth configuration as JSON (never a secret). */
  auth: string;
  /** AES-256-GCM sealed secrets; null once archived. */
  sealed_secrets: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}
