// Wire types of vaults and credentials, re-exported from the pinned @anthropic-ai/sdk.
export type {
  BetaManagedAgentsVault as Vault,
  BetaManagedAgentsDeletedVault as DeletedVault,
} from '@anthropic-ai/sdk/resources/beta/vaults/vaults.js';
export type {
  BetaManagedAgentsCredential as Credential,
  BetaManagedAgentsDeletedCredential as DeletedCredential,
  BetaManagedAgentsCredentialValidation as CredentialValidation,
  BetaManagedAgentsRefreshHTTPResponse as CapturedHttpResponse,
} from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';
