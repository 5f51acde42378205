// Vault records: vaults and their credentials. A credential's public configuration (what the wire
// shows) is kept apart from its secrets, which the store only ever holds sealed (see src/secrets/).
export interface VaultRecord {
  id: string;
  workspaceId: string;
  displayName: string;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export type TokenEndpointAuthType = 'none' | 'client_secret_basic' | 'client_secret_post';

/** What an `mcp_oauth` credential's refresh block says, minus its secrets. */
export interface OAuthRefreshConfig {
  clientId: string;
  tokenEndpoint: string;
  tokenEndpointAuth: TokenEndpointAuthType;
  resource: string | null;
  scope: string | null;
}

export type CredentialNetworking = { type: 'unrestricted' } | { type: 'limited'; allowedHosts: string[] };

/** A credential's non-secret configuration, one variant per auth type. */
export type CredentialAuthConfig =
  | { type: 'static_bearer'; mcpServerUrl: string }
  | { type: 'mcp_oauth'; mcpServerUrl: string; expiresAt: string | null; refresh: OAuthRefreshConfig | null }
  | {
      type: 'environment_variable';
      secretName: string;
      networking: CredentialNetworking;
      injection: { header: boolean; body: boolean };
    };

export type CredentialAuthType = CredentialAuthConfig['type'];

/** The write-only values of a credential; only the fields of its auth type are set. */
export interface CredentialSecrets {
  token?: string;
  accessToken?: string;
  refreshToken?: string;
  clientSecret?: string;
  secretValue?: string;
}

export interface CredentialRecord {
  id: string;
  vaultId: string;
  workspaceId: string;
  displayName: string | null;
  metadata: Record<string, string>;
  auth: CredentialAuthConfig;
  /** The sealed CredentialSecrets (null once archived: archiving purges the secret). */
  sealedSecrets: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** The key that must be unique among a vault's active credentials. */
export function credentialKey(auth: CredentialAuthConfig): string {
  return auth.type === 'environment_variable' ? `env:${auth.secretName}` : `mcp:${auth.mcpServerUrl}`;
}
