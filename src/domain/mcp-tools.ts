// MCP tools as the model sees them: a name per (server, tool) that cannot collide with built-in or
// custom tools, and which tools an agent's mcp_toolset enables with which permission policy.
import type { AgentToolConfig, SessionAgent } from '../api/wire.js';

type PermissionPolicy = AgentToolConfig['permission_policy']['type'];

/** What an MCP server lists about one tool (tools/list). */
export interface McpToolInfo {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
}

/** One offered MCP tool: where it lives and how calls to it are cleared. */
export interface McpToolRef {
  server: string;
  tool: string;
  policy: PermissionPolicy;
}

/** The Messages API's tool-name rule: 1–64 of [a-zA-Z0-9_-]. */
const NAME_MAX = 64;

/** FNV-1a, for a short stable suffix when a name has to be shortened or sanitised. */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** `mcp__<server>__<tool>`, made valid (and kept unique by a hash) when the raw form is not. */
export function mcpModelName(server: string, tool: string): string {
  const raw = `mcp__${server}__${tool}`;
  if (raw.length <= NAME_MAX && /^[a-zA-Z0-9_-]+$/.test(raw)) return raw;
  const suffix = `_${fnv(`${server}\u0000${tool}`)}`;
  return raw.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, NAME_MAX - suffix.length) + suffix;
}

/**
 * The enabled tools of each server the agent has an mcp_toolset for, keyed by model-facing name,
 * in toolset then listing order. `listed` holds what each server listed (servers that could not be
 * listed are absent, so their tools are not offered).
 */
export function mcpToolRefs(
  agent: Pick<SessionAgent, 'tools'>,
  listed: ReadonlyMap<string, readonly McpToolInfo[]>,
): Map<string, McpToolRef & { info: McpToolInfo }> {
  const out = new Map<string, McpToolRef & { info: McpToolInfo }>();
  for (const toolset of agent.tools) {
    if (toolset.type !== 'mcp_toolset') continue;
    for (const info of listed.get(toolset.mcp_server_name) ?? []) {
      const config = toolset.configs.find((c) => c.name === info.name);
      if (!(config?.enabled ?? toolset.default_config.enabled)) continue;
      const policy = (config?.permission_policy ?? toolset.default_config.permission_policy).type;
      out.set(mcpModelName(toolset.mcp_server_name, info.name), { server: toolset.mcp_server_name, tool: info.name, policy, info });
    }
  }
  return out;
}
