// mcpOAuthValidate: probes an mcp_oauth credential against its MCP server (initialize, tools/list)
// and, on a 401, tries one refresh and probes again. The answer carries statuses and scrubbed
// HTTP answers, never a token.
import type { CredentialValidation } from '../../api/vault-wire.js';
import { conflict, invalidRequest } from '../../errors.js';
import { withMcpClient, type McpFailure } from '../../mcp/mcp-client.js';
import type { Fetch } from '../../net/guarded-fetch.js';
import { getCredential, openSecrets } from './credentials.js';
import { captureResponse, refreshMcpOAuth } from './mcp-credentials.js';
import type { VaultDeps } from './vault-deps.js';
import type { CredentialSecrets } from '../../domain/records/vault.js';

export interface ProbeDeps extends VaultDeps {
  fetch: Fetch;
  timeoutMs: number;
}

const probeOf = (f: McpFailure, secrets: CredentialSecrets): CredentialValidation['mcp_probe'] => ({
  method: f.method,
  http_response: f.http ? captureResponse(f.http.status, f.http.contentType, f.http.body, secrets) : null,
});

export async function validateMcpOAuth(deps: ProbeDeps, workspaceId: string, vaultId: string, id: string): Promise<CredentialValidation> {
  const c = await getCredential(deps.store, workspaceId, vaultId, id);
  if (c.auth.type !== 'mcp_oauth') throw invalidRequest(`credential ${id} is ${c.auth.type}; only mcp_oauth credentials can be validated`);
  if (c.archivedAt) throw conflict(`credential ${id} is archived; its tokens were purged`);
  const secrets = openSecrets(deps.secrets, c);
  const hasRefresh = c.auth.refresh !== null && secrets.refreshToken !== undefined;
  const answer = (status: CredentialValidation['status'], mcp_probe: CredentialValidation['mcp_probe'], refresh: CredentialValidation['refresh']) => ({
    type: 'vault_credential_validation' as const,
    credential_id: c.id,
    vault_id: c.vaultId,
    has_refresh_token: hasRefresh,
    status,
    mcp_probe,
    refresh,
    validated_at: deps.now(),
  });
  if (!secrets.accessToken) return answer('invalid', null, null);
  const url = c.auth.mcpServerUrl;
  const probe = (bearer: string) =>
    withMcpClient({ url, bearer, fetch: deps.fetch, timeoutMs: deps.timeoutMs }, undefined, async (client, track) => {
      track('tools/list');
      await client.listTools(undefined, { timeout: deps.timeoutMs });
    });
  const first = await probe(secrets.accessToken);
  if (first.ok) return answer('valid', null, null);
  if (first.failure.kind !== 'unauthorized') return answer('unknown', probeOf(first.failure, secrets), null);
  if (!hasRefresh) return answer('invalid', probeOf(first.failure, secrets), { status: 'no_refresh_token', http_response: null });
  const refreshed = await refreshMcpOAuth(deps, c);
  if (!refreshed.ok) return answer('invalid', probeOf(first.failure, secrets), { status: refreshed.status, http_response: refreshed.httpResponse });
  const second = await probe(refreshed.bearer);
  const succeeded = { status: 'succeeded' as const, http_response: null };
  if (second.ok) return answer('valid', null, succeeded);
  const scrubbed = { ...secrets, accessToken: refreshed.bearer };
  return answer(second.failure.kind === 'unauthorized' ? 'invalid' : 'unknown', probeOf(second.failure, scrubbed), succeeded);
}
