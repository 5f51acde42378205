// Wires MCP: the engine's hub gets credentials from the vault use cases, and both reach servers
// and token endpoints through the guarded fetch (private addresses only if the operator allows).
import type { Config } from '../config/config.js';
import { findMcpCredential, mcpCredentialOf, refreshMcpOAuth } from '../commands/vaults/mcp-credentials.js';
import type { VaultDeps } from '../commands/vaults/vault-deps.js';
import type { Clock } from '../domain/clock.js';
import { McpHub, type McpCredentialSource } from '../engine/mcp/mcp-hub.js';
import type { Logger } from '../logger.js';
import { guardedFetch, type Fetch } from '../net/guarded-fetch.js';

export const mcpFetch = (config: Config): Fetch =>
  guardedFetch({ allowPrivate: config.mcp.allowPrivate, setting: 'AGENTD_MCP_ALLOW_PRIVATE' });

export function mcpCredentialSource(deps: VaultDeps & { fetch: Fetch }): McpCredentialSource {
  return {
    forServer: async (session, url) => {
      const record = await findMcpCredential(deps, session.vaultIds, url);
      const use = record && mcpCredentialOf(deps, record);
      if (!record || !use) return undefined;
      return {
        ...use,
        refresh: async () => {
          const r = await refreshMcpOAuth(deps, record);
          return r.ok ? r : { ok: false as const, message: r.message };
        },
      };
    },
  };
}

export function createMcpHub(config: Config, vaults: VaultDeps, clock: Clock, logger: Logger): McpHub {
  const fetch = mcpFetch(config);
  return new McpHub({ credentials: mcpCredentialSource({ ...vaults, fetch }), fetch, timeoutMs: config.mcp.timeoutMs, clock, logger });
}
