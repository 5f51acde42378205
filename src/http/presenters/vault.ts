// Vault records → the wire `BetaManagedAgentsVault` and `…Credential`. Secrets are not in the
// records' public part, so nothing here can leak one.
import type { Credential, Vault } from '../../api/vault-wire.js';
import type { CredentialAuthConfig } from '../../domain/records/vault.js';
import type { CredentialRecord, VaultRecord } from '../../store/vault-types.js';

export function presentVault(v: VaultRecord): Vault {
  return {
    type: 'vault',
    id: v.id,
    display_name: v.displayName,
    metadata: v.metadata,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
    archived_at: v.archivedAt,
  };
}

function presentAuth(a: CredentialAuthConfig): Credential['auth'] {
  switch (a.type) {
    case 'static_bearer':
      return { type: 'static_bearer', mcp_server_url: a.mcpServerUrl };
    case 'mcp_oauth':
      return {
        type: 'mcp_oauth',
        mcp_server_url: a.mcpServerUrl,
        expires_at: a.expiresAt,
        refresh: a.refresh && {
          client_id: a.refresh.clientId,
          token_endpoint: a.refresh.tokenEndpoint,
          token_endpoint_auth: { type: a.refresh.tokenEndpointAuth },
          resource: a.refresh.resource,
          scope: a.refresh.scope,
        },
      };
    case 'environment_variable':
      return {
        type: 'environment_variable',
        secret_name: a.secretName,
        networking:
          a.networking.type === 'limited' ? { type: 'limited', allowed_hosts: a.networking.allowedHosts } : { type: 'unrestricted' },
        injection_location: { header: a.injection.header, body: a.injection.body },
      };
  }
}

export function presentCredential(c: CredentialRecord): Credential {
  return {
    type: 'vault_credential',
    id: c.id,
    vault_id: c.vaultId,
    display_name: c.displayName,
    metadata: c.metadata,
    auth: presentAuth(c.auth),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    archived_at: c.archivedAt,
  };
}
